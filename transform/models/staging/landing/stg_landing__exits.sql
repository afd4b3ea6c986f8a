with

source as (

    select * from {{ source('landing', 'exits') }}

),

renamed as (

    select

        ---------- ids
        batch_id,
        centre_id,
        participant_id,

        ---------- upload order (latest wins)
        row_number,

        ---------- codes
        destination,
        reason,

        ---------- dates
        exit_date::date as exit_on

    from source

)

select * from renamed
