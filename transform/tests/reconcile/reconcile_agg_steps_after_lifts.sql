-- Reconciliation of « les freins d'abord » with the facts, over every barrier ('all' rows):
-- trainees_with_step adds up to the trainees with a barrier episode and a qualifying step or
-- a job on or after their entry month, and step_after_lift to those among them whose first
-- lift came on or before that first step, counted here from dim_participants, fct_milestones,
-- fct_barrier_episodes and the codes. Rows returned: a difference.
with

entered as (

    select
        participants.centre_id,
        participants.participant_id,
        date_trunc('month', participants.entry_date) as entry_month
    from {{ ref('dim_participants') }} as participants
    where participants.entry_date is not null

),

step_dates as (

    select
        milestones.centre_id,
        milestones.participant_id,
        milestones.achieved_on as step_on
    from {{ ref('fct_milestones') }} as milestones
    where milestones.milestone_group = 'qualification' or milestones.milestone = 'job_contract'
    union all
    select
        exits.centre_id,
        exits.participant_id,
        exits.exit_date as step_on
    from {{ ref('dim_participants') }} as exits
    inner join {{ ref('stg_codes') }} as codes
        on exits.destination = codes.code and codes.code_list = 'situation'
    where codes.code_group in ('training', 'employment')

),

first_step as (

    select
        entered.centre_id,
        entered.participant_id,
        min(step_dates.step_on) as step_on
    from entered
    inner join step_dates
        on entered.centre_id = step_dates.centre_id
        and entered.participant_id = step_dates.participant_id
        and entered.entry_month <= step_dates.step_on
    group by entered.centre_id, entered.participant_id

),

first_lift as (

    select
        episodes.centre_id,
        episodes.participant_id,
        min(episodes.lifted_on) as lifted_on
    from {{ ref('fct_barrier_episodes') }} as episodes
    group by episodes.centre_id, episodes.participant_id

),

facts as (

    select
        count(*) as trainees_with_step,
        count(*) filter (where first_lift.lifted_on <= first_step.step_on) as step_after_lift
    from first_step
    inner join first_lift
        on first_step.centre_id = first_lift.centre_id
        and first_step.participant_id = first_lift.participant_id

),

totals as (

    select
        coalesce(sum(steps.trainees_with_step), 0) as trainees_with_step,
        coalesce(sum(steps.step_after_lift), 0) as step_after_lift
    from {{ ref('agg_steps_after_lifts') }} as steps
    where steps.barrier_group = 'all'

)

select
    facts.trainees_with_step as fact_trainees_with_step,
    totals.trainees_with_step as aggregate_trainees_with_step,
    facts.step_after_lift as fact_step_after_lift,
    totals.step_after_lift as aggregate_step_after_lift
from facts
cross join totals
where
    facts.trainees_with_step <> totals.trainees_with_step
    or facts.step_after_lift <> totals.step_after_lift
