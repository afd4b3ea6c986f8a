with

source as (

    select * from {{ source('landing', 'barriers') }}

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
        barrier,

        ---------- numbers
        level::tinyint as level,

        ---------- dates
        assessed_on::date as assessed_on

    from source

)

select * from renamed
