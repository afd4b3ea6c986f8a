with

source as (

    select * from {{ source('landing', 'hours') }}

),

renamed as (

    select

        ---------- ids
        batch_id,
        centre_id,
        participant_id,

        ---------- upload order (latest wins)
        row_number,

        ---------- numbers
        hours::double as hours,

        ---------- dates
        {{ month_start('month') }} as month_on

    from source

)

select * from renamed
