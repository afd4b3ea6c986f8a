with

centres as (select * from {{ ref('stg_registry__centres') }}),
provinces as (select * from {{ ref('stg_postal_code_provinces') }}),

final as (

    select
        centres.centre_id,
        centres.centre_name,
        centres.federation,
        provinces.province,
        provinces.region,
        centres.postal_code,
        centres.created_at
    from centres
    left join provinces
        on centres.postal_code between provinces.postal_code_from and provinces.postal_code_to

)

select * from final
