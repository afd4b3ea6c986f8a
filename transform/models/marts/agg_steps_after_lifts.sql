-- « Les freins d'abord », by barrier group: among the trainees who had a barrier of the group
-- and reached a qualifying step or a job, how many had a barrier of that group lifted on or
-- before the day of that step (the first one). Group 'all': any barrier.
-- Qualifying step or job: macro qualifying_steps with_jobs (as agg_event_order's steps, plus the
-- milestone job_contract or an exit to an `employment` destination). Events dated before the
-- entry month are left out, as in agg_event_order.
with

participants as (

    select * from {{ ref('dim_participants') }} where entry_date is not null
    {{ only_changed_centres('and') }}

),

episodes as (select * from {{ ref('fct_barrier_episodes') }} {{ only_changed_centres() }}),
milestones as (select * from {{ ref('fct_milestones') }} {{ only_changed_centres() }}),
situations as (select * from {{ ref('stg_codes') }} where code_list = 'situation'),
barrier_codes as (select * from {{ ref('stg_codes') }} where code_list = 'barrier'),

steps as (

    {{ qualifying_steps('milestones', 'participants', 'situations', with_jobs=true) }}

),

first_steps as (

    select
        steps.centre_id,
        steps.participant_id,
        min(steps.step_on) as first_step_on
    from steps
    inner join participants
        on steps.centre_id = participants.centre_id
        and steps.participant_id = participants.participant_id
    where steps.step_on >= {{ month_start('participants.entry_date') }}
    group by steps.centre_id, steps.participant_id

),

-- One row per trainee × barrier group, and once more under 'all'.
barrier_groups as (

    select
        episodes.centre_id,
        episodes.participant_id,
        coalesce(barrier_codes.code_group, 'other') as barrier_group,
        min(episodes.lifted_on) as first_lift_on
    from episodes
    left join barrier_codes on episodes.barrier = barrier_codes.code
    group by all
    union all
    select
        centre_id,
        participant_id,
        'all' as barrier_group,
        min(lifted_on) as first_lift_on
    from episodes
    group by all

),

final as (

    select
        participants.centre_id,
        {{ population_columns('participants') }},
        barrier_groups.barrier_group,
        count(*)::integer as trainees_with_step,
        count(*) filter (
            where barrier_groups.first_lift_on <= first_steps.first_step_on
        )::integer as step_after_lift
    from first_steps
    inner join barrier_groups
        on first_steps.centre_id = barrier_groups.centre_id
        and first_steps.participant_id = barrier_groups.participant_id
    inner join participants
        on first_steps.centre_id = participants.centre_id
        and first_steps.participant_id = participants.participant_id
    group by all

)

select * from final
{{ only_changed_centres() }}
