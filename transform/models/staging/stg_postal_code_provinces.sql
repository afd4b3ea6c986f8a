with

source as (

    select * from {{ ref('postal_code_provinces') }}

),

renamed as (

    select

        ---------- numbers
        postal_code_from,
        postal_code_to,

        ---------- descriptors
        province,
        region

    from source

)

select * from renamed
