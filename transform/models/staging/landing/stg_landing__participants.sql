with

source as (

    select * from {{ source('landing', 'participants') }}

),

renamed as (

    select

        ---------- ids
        batch_id,
        centre_id,
        participant_id,
        person_key,

        ---------- upload order (latest wins)
        row_number,

        ---------- codes
        gender,
        education,
        filiere,
        referral,
        status_at_entry,

        ---------- descriptors
        training_area,

        ---------- numbers
        postal_code::smallint as postal_code,
        birth_year::smallint as birth_year,

        ---------- dates
        entry_date::date as entry_on

    from source

)

select * from renamed
