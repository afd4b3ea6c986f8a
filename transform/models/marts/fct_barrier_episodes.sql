with

episodes as (
    select * from {{ ref('int_barrier_assessments_to_episodes') }} {{ only_changed_centres() }}
),
barriers as (select * from {{ ref('stg_codes') }} where code_list = 'barrier'),

final as (

    select
        episodes.centre_id,
        episodes.participant_id,
        episodes.barrier,
        episodes.episode_number,
        episodes.identified_on,
        episodes.initial_level,
        episodes.lifted_on,
        episodes.days_to_lift,
        episodes.is_lifted,
        episodes.is_setback,
        episodes.last_assessed_on,
        episodes.last_level,
        episodes.assessments,
        episodes.observed_days,
        barriers.code_group as barrier_group
    from episodes
    left join barriers on episodes.barrier = barriers.code

)

select * from final
{{ only_changed_centres() }}
