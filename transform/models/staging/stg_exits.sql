-- Key: (participant_id, exit_date) within the centre.
with

source as (

    {{ latest_wins(source('landing', 'exits'), ['participant_id', 'exit_date']) }}

),

renamed as (

    select

        ---------- ids
        centre_id,
        participant_id,
        batch_id,

        ---------- codes
        destination,
        reason,

        ---------- dates
        exit_date::date as exit_on

    from source

)

select * from renamed
