with

exits as (select * from {{ ref('int_exits_latest') }} {{ only_changed_centres() }}),
situations as (select * from {{ ref('stg_codes') }} where code_list = 'situation'),

final as (

    select
        exits.centre_id,
        exits.participant_id,
        exits.exit_on as exit_date,
        exits.reason,
        exits.destination,
        situations.code_group as destination_group,
        -- Positive exit (INTERFACES §3): the destination is in the employment or training group.
        coalesce(situations.code_group in ('employment', 'training'), false) as positive_exit,
        exits.batch_id
    from exits
    left join situations on exits.destination = situations.code

)

select * from final
{{ only_changed_centres() }}
