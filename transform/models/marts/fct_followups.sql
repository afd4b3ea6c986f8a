with

followups as (select * from {{ ref('int_followups_latest') }} {{ only_changed_centres() }}),
exits as (select * from {{ ref('fct_exits') }} {{ only_changed_centres() }}),
situations as (select * from {{ ref('stg_codes') }} where code_list = 'situation'),

-- The exit a follow-up refers to: the participant's latest exit on or before the observation.
reference_exits as (

    select
        followups.centre_id,
        followups.participant_id,
        followups.observed_on,
        max(exits.exit_date) as exit_date
    from followups
    inner join exits
        on followups.centre_id = exits.centre_id
        and followups.participant_id = exits.participant_id
        and followups.observed_on >= exits.exit_date
    group by all

),

final as (

    select
        followups.centre_id,
        followups.participant_id,
        followups.observed_on,
        followups.situation,
        -- Whole months elapsed since that exit (2024-07-12 -> 2025-01-12 is 6).
        date_sub('month', reference_exits.exit_date, followups.observed_on)::integer
            as months_after_exit,
        reference_exits.exit_date,
        situations.code_group as situation_group,
        coalesce(situations.code_group in ('employment', 'training'), false) as is_positive,
        followups.batch_id
    from followups
    left join reference_exits using (centre_id, participant_id, observed_on)
    left join situations on followups.situation = situations.code

)

select * from final
{{ only_changed_centres() }}
