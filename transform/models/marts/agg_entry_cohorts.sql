-- Each participant contributes three "month numbers" (to the first milestone, to the first
-- positive exit, and how many months can be observed so far); the curves are cumulative counts of
-- those numbers, so the work is one pass over participants, not participants × 37 months.
with

participants as (
    select * from {{ ref('dim_participants') }} where entry_date is not null
    {{ only_changed_centres('and') }}
),

-- The last date the warehouse knows anything about: later months cannot be observed yet.
data_end as (select last_event_on from {{ ref('int_data_end') }}),

offsets as (

    select unnest(range(0, {{ var('cohort_months') }} + 1))::integer as months_since_entry

),

participant_months as (

    select
        participants.centre_id,
        -- filière, entry year and the population columns (as dim_participant_population)
        {{ population_columns('participants') }},
        -- Whole months from entry (a milestone before the entry counts from month 0). DuckDB's
        -- greatest() skips nulls, so a participant without a milestone must stay null here.
        case
            when participants.first_milestone_on is not null then
                greatest(
                    date_sub('month', participants.entry_date, participants.first_milestone_on), 0
                )
        end as months_to_milestone,
        case
            when participants.first_positive_exit_on is not null then
                greatest(
                    date_sub('month', participants.entry_date, participants.first_positive_exit_on),
                    0
                )
        end as months_to_positive_exit,
        date_sub('month', participants.entry_date, data_end.last_event_on) as months_observable
    from participants
    cross join data_end

),

cohorts as (

    select
        centre_id,
        filiere,
        entry_year,
        age_band,
        gender,
        education,
        status_at_entry,
        count(*) as cohort_size,
        list(months_to_milestone) filter (where months_to_milestone is not null) as milestones,
        list(months_to_positive_exit) filter (where months_to_positive_exit is not null)
            as positive_exits,
        list(months_observable) as observable
    from participant_months
    group by all

),

final as (

    select
        cohorts.centre_id,
        cohorts.filiere,
        cohorts.entry_year,
        cohorts.age_band,
        cohorts.gender,
        cohorts.education,
        cohorts.status_at_entry,
        offsets.months_since_entry,
        cohorts.cohort_size::integer as cohort_size,
        -- `m` is a lambda's parameter, not a column (sqlfluff's RF02 cannot tell).
        -- noqa: disable=RF02
        len(list_filter(cohorts.observable, lambda m: m >= offsets.months_since_entry))::integer
            as participants_observable,
        len(list_filter(cohorts.milestones, lambda m: m <= offsets.months_since_entry))::integer
            as with_first_milestone,
        len(list_filter(cohorts.positive_exits, lambda m: m <= offsets.months_since_entry))::integer
            as with_positive_exit
    -- noqa: enable=RF02
    from cohorts
    cross join offsets

)

select * from final
{{ only_changed_centres() }}
