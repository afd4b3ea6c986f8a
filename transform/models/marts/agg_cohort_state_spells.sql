-- The monthly states of fct_participant_months, counted per cohort and population, stored as
-- runs (consecutive months in one state) rather than one row per month: at bench scale the
-- four population columns leave about one trainee per (cohort, population, month, state) cell,
-- so a month grain would be as large as the fact table (~5M rows); runs are ~15x fewer.
-- The count in a state at month m is the sum of the runs with from <= m <= to (see the YAML).
with

participant_months as (select * from {{ ref('fct_participant_months') }}),
participants as (select * from {{ ref('dim_participants') }}),

-- Consecutive months of one state: months_since_entry minus the rank among the same state's
-- months is constant along a run (a state that comes back after another makes a second run).
runs as (

    select
        centre_id,
        participant_id,
        state,
        min(months_since_entry) as months_since_entry_from,
        max(months_since_entry) as months_since_entry_to
    from (
        select
            centre_id,
            participant_id,
            state,
            months_since_entry,
            months_since_entry - row_number() over (
                partition by centre_id, participant_id, state order by months_since_entry
            ) as run_key
        from participant_months
    )
    group by centre_id, participant_id, state, run_key

),

final as (

    select
        runs.centre_id,
        {{ population_columns('participants') }},
        runs.state,
        runs.months_since_entry_from::integer as months_since_entry_from,
        runs.months_since_entry_to::integer as months_since_entry_to,
        count(*)::integer as trainees
    from runs
    inner join participants using (centre_id, participant_id)
    group by all

)

select * from final
