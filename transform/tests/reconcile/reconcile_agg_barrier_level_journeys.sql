-- Reconciliation of the barrier journeys with the assessments: for each level, the trainees
-- counted in agg_barrier_level_journeys (trainees) add up to the (trainee, barrier, month since
-- entry) whose latest assessment of the month is at that level, counted here from
-- int_barriers_latest over months 0 to 36. Rows returned: the levels where the totals differ.
with

assessed as (

    select
        assessments.centre_id,
        assessments.participant_id,
        assessments.barrier,
        assessments.level,
        date_diff(
            'month',
            date_trunc('month', participants.entry_date),
            date_trunc('month', assessments.assessed_on)
        ) as months_since_entry,
        row_number() over (
            partition by
                assessments.centre_id,
                assessments.participant_id,
                assessments.barrier,
                date_trunc('month', assessments.assessed_on)
            order by assessments.assessed_on desc
        ) as latest_first
    from {{ ref('int_barriers_latest') }} as assessments
    inner join {{ ref('dim_participants') }} as participants
        on assessments.centre_id = participants.centre_id
        and assessments.participant_id = participants.participant_id
    where participants.entry_date is not null

),

fact_levels as (

    select
        assessed.level,
        count(*) as trainees
    from assessed
    where assessed.latest_first = 1 and assessed.months_since_entry between 0 and 36
    group by assessed.level

),

aggregate_levels as (

    select
        journeys.level,
        sum(journeys.trainees) as trainees
    from {{ ref('agg_barrier_level_journeys') }} as journeys
    group by journeys.level

)

select
    coalesce(fact_levels.level, aggregate_levels.level) as level,
    coalesce(fact_levels.trainees, 0) as fact_trainees,
    coalesce(aggregate_levels.trainees, 0) as aggregate_trainees
from fact_levels
full outer join aggregate_levels on fact_levels.level = aggregate_levels.level
where coalesce(fact_levels.trainees, 0) <> coalesce(aggregate_levels.trainees, 0)
