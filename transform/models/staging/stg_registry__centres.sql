with

source as (

    select * from {{ source('registry', 'centres') }}

),

renamed as (

    select

        ---------- ids
        centre_id,

        ---------- descriptors
        centre_name,
        federation,
        postal_code,

        ---------- timestamps
        created_at::timestamptz as created_at

    from source

)

select * from renamed
