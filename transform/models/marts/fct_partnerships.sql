with

partnerships as (select * from {{ ref('int_partnerships_latest') }} {{ only_changed_centres() }}),
partner_types as (select * from {{ ref('stg_codes') }} where code_list = 'partner_type'),

final as (

    select
        partnerships.centre_id,
        partnerships.participant_id,
        partnerships.partner_type,
        partnerships.partner_name,
        partnerships.purpose,
        partnerships.started_on,
        partnerships.ended_on,
        partnerships.result,
        partner_types.code_group as partner_group,
        (partnerships.ended_on - partnerships.started_on)::integer as duration_days,
        partnerships.batch_id
    from partnerships
    left join partner_types on partnerships.partner_type = partner_types.code

)

select * from final
{{ only_changed_centres() }}
