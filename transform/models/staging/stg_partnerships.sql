-- Key: (participant_id, partner_type, started_on, partner_name) within the centre.
with

source as (

    {{ latest_wins(source('landing', 'partnerships'), ['participant_id', 'partner_type', 'started_on', 'partner_name']) }}

),

renamed as (

    select

        ---------- ids
        centre_id,
        participant_id,
        batch_id,

        ---------- codes
        partner_type,
        purpose,
        result,

        ---------- descriptors
        partner_name,

        ---------- dates
        started_on::date as started_on,
        ended_on::date as ended_on

    from source

)

select * from renamed
