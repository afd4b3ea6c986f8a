-- « Les freins d'abord »: for each trainee, how many calendar months after the entry month
-- (0 = the entry month, as in fct_participant_months) the first barrier lift, the first victory
-- (any milestone), the first qualifying step and the exit came; counted per cohort and
-- population as a histogram, so that a page sums any selection and reads its median.
-- Qualifying step: macro qualifying_steps (a `qualification` milestone or an exit to a
-- `training` destination), whichever comes first. Events dated before the entry month are left
-- out (data quality).
with

participants as (

    select * from {{ ref('dim_participants') }} where entry_date is not null
    {{ only_changed_centres('and') }}

),

episodes as (select * from {{ ref('fct_barrier_episodes') }} {{ only_changed_centres() }}),
milestones as (select * from {{ ref('fct_milestones') }} {{ only_changed_centres() }}),
situations as (select * from {{ ref('stg_codes') }} where code_list = 'situation'),

lifts as (

    select
        centre_id,
        participant_id,
        'first_lift' as event_kind,
        lifted_on as event_on
    from episodes
    where lifted_on is not null

),

victories as (

    select
        centre_id,
        participant_id,
        'first_victory' as event_kind,
        achieved_on as event_on
    from milestones

),

-- The one definition of a qualifying step (macro qualifying_steps).
qualifying_steps as (

    select
        steps.centre_id,
        steps.participant_id,
        'qualifying_step' as event_kind,
        steps.step_on as event_on
    from ({{ qualifying_steps('milestones', 'participants', 'situations') }}) as steps

),

exits as (

    select
        participants.centre_id,
        participants.participant_id,
        'exit' as event_kind,
        participants.exit_date as event_on
    from participants
    where participants.exit_date is not null

),

events as (

    select * from lifts
    union all
    select * from victories
    union all
    select * from qualifying_steps
    union all
    select * from exits

),

-- The first of each event on or after the entry month, per trainee.
first_events as (

    select
        events.centre_id,
        events.participant_id,
        events.event_kind,
        min(
            date_diff(
                'month',
                {{ month_start('participants.entry_date') }},
                {{ month_start('events.event_on') }}
            )
        )::integer as months_since_entry
    from events
    inner join participants
        on events.centre_id = participants.centre_id
        and events.participant_id = participants.participant_id
    where events.event_on >= {{ month_start('participants.entry_date') }}
    group by events.centre_id, events.participant_id, events.event_kind

),

final as (

    select
        participants.centre_id,
        {{ population_columns('participants') }},
        first_events.event_kind,
        first_events.months_since_entry,
        count(*)::integer as trainees
    from first_events
    inner join participants
        on first_events.centre_id = participants.centre_id
        and first_events.participant_id = participants.participant_id
    group by all

)

select * from final
{{ only_changed_centres() }}
