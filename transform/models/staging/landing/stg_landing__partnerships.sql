with

source as (

    select * from {{ source('landing', 'partnerships') }}

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
