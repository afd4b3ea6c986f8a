-- Key: (participant_id, observed_on) within the centre.
with

source as (

    {{ latest_wins(source('landing', 'followups'), ['participant_id', 'observed_on']) }}

),

renamed as (

    select

        ---------- ids
        centre_id,
        participant_id,
        batch_id,

        ---------- codes
        situation,

        ---------- dates
        observed_on::date as observed_on

    from source

)

select * from renamed
