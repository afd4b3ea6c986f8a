-- Key: participant_id within the centre (EXPORT_FORMAT §1).
with

source as (

    {{ latest_wins(source('landing', 'participants'), ['participant_id']) }}

),

renamed as (

    select

        ---------- ids
        centre_id,
        participant_id,
        person_key,
        batch_id,

        ---------- codes
        gender,
        education,
        filiere,
        referral,
        status_at_entry,

        ---------- descriptors
        training_area,
        postal_code::smallint as postal_code,
        birth_year::smallint as birth_year,

        ---------- dates
        entry_date::date as entry_on

    from source

)

select * from renamed
