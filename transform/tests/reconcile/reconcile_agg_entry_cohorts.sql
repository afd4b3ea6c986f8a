-- Reconciliation of the cohort curves with the facts, for every number of months since entry k
-- (0 to var('cohort_months')): the trainees observable at k, and those whose first milestone
-- (fct_milestones) or first positive exit (fct_exits) came within k whole months of their entry
-- (at once when before it), counted here as running totals over k from the facts, add up to
-- the aggregate's rows of that k. Rows returned: the offsets where a total differs.
with

participants as (

    select
        participants.centre_id,
        participants.participant_id,
        participants.entry_date,
        date_sub('month', participants.entry_date, data_end.last_event_on) as months_observable
    from {{ ref('dim_participants') }} as participants
    cross join {{ ref('int_data_end') }} as data_end
    where participants.entry_date is not null

),

first_milestones as (

    select
        centre_id,
        participant_id,
        min(achieved_on) as first_on
    from {{ ref('fct_milestones') }}
    group by centre_id, participant_id

),

first_positive_exits as (

    select
        centre_id,
        participant_id,
        min(exit_date) as first_on
    from {{ ref('fct_exits') }}
    where positive_exit
    group by centre_id, participant_id

),

-- Per trainee, the offset from which each step counts (null: never; DuckDB's greatest() skips
-- nulls, hence the case).
steps as (

    select
        participants.months_observable,
        case
            when first_milestones.first_on is not null then
                greatest(date_sub('month', participants.entry_date, first_milestones.first_on), 0)
        end as milestone_from,
        case
            when first_positive_exits.first_on is not null then
                greatest(
                    date_sub('month', participants.entry_date, first_positive_exits.first_on), 0
                )
        end as positive_exit_from
    from participants
    left join first_milestones
        on participants.centre_id = first_milestones.centre_id
        and participants.participant_id = first_milestones.participant_id
    left join first_positive_exits
        on participants.centre_id = first_positive_exits.centre_id
        and participants.participant_id = first_positive_exits.participant_id

),

offsets as (

    select unnest(range(0, {{ var('cohort_months') }} + 1))::integer as months_since_entry

),

per_offset as (

    select
        offsets.months_since_entry,
        count(*) filter (where steps.months_observable >= offsets.months_since_entry)
            as participants_observable,
        count(*) filter (where steps.milestone_from <= offsets.months_since_entry)
            as with_first_milestone,
        count(*) filter (where steps.positive_exit_from <= offsets.months_since_entry)
            as with_positive_exit
    from offsets
    cross join steps
    group by offsets.months_since_entry

),

aggregate_offsets as (

    select
        months_since_entry,
        sum(participants_observable) as participants_observable,
        sum(with_first_milestone) as with_first_milestone,
        sum(with_positive_exit) as with_positive_exit
    from {{ ref('agg_entry_cohorts') }}
    group by months_since_entry

),

compared as (

    select
        coalesce(per_offset.months_since_entry, aggregate_offsets.months_since_entry)
            as months_since_entry,
        coalesce(per_offset.participants_observable, 0) as fact_observable,
        coalesce(aggregate_offsets.participants_observable, 0) as aggregate_observable,
        coalesce(per_offset.with_first_milestone, 0) as fact_with_first_milestone,
        coalesce(aggregate_offsets.with_first_milestone, 0) as aggregate_with_first_milestone,
        coalesce(per_offset.with_positive_exit, 0) as fact_with_positive_exit,
        coalesce(aggregate_offsets.with_positive_exit, 0) as aggregate_with_positive_exit
    from per_offset
    full outer join aggregate_offsets
        on per_offset.months_since_entry = aggregate_offsets.months_since_entry

)

select * from compared
where
    fact_observable <> aggregate_observable
    or fact_with_first_milestone <> aggregate_with_first_milestone
    or fact_with_positive_exit <> aggregate_with_positive_exit
