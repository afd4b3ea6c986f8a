with

source as (

    select * from {{ source('landing', 'followups') }}

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
        situation,

        ---------- dates
        observed_on::date as observed_on

    from source

)

select * from renamed
