with

hours as (select * from {{ ref('int_hours_latest') }}),

final as (

    select
        centre_id,
        participant_id,
        month_on as month,
        hours,
        batch_id
    from hours

)

select * from final
