-- The monthly states of fct_participant_months, counted per cohort and population, stored as
-- runs (consecutive months in one state) rather than one row per month: at bench scale the
-- four population columns leave about one trainee per (cohort, population, month, state) cell,
-- so a month grain would be as large as the fact table (~5M rows); runs are ~15x fewer.
-- The count in a state at month m is the sum of the runs with from <= m <= to (see the YAML).
with

participant_months as (
    select * from {{ ref('fct_participant_months') }} {{ only_changed_centres() }}
),
participants as (select * from {{ ref('dim_participants') }} {{ only_changed_centres() }}),

-- Runs: consecutive months of one participant in one state. Most (participant, state) pairs
-- are one run already (their months are contiguous): a hash aggregate finds them. Only a state
-- that comes back after another one (employment, none, employment) needs the months ranked
-- (months_since_entry minus its rank among that state's months is constant along a run):
-- ranking only those rows keeps the window off the ~5M rows.
state_months as (

    select
        centre_id,
        participant_id,
        state,
        min(months_since_entry) as months_since_entry_from,
        max(months_since_entry) as months_since_entry_to,
        count(*) as months
    from participant_months
    group by centre_id, participant_id, state

),

contiguous_runs as (

    select centre_id, participant_id, state, months_since_entry_from, months_since_entry_to
    from state_months
    where months = months_since_entry_to - months_since_entry_from + 1

),

split_runs as (

    select
        centre_id,
        participant_id,
        state,
        min(months_since_entry) as months_since_entry_from,
        max(months_since_entry) as months_since_entry_to
    from (
        select
            participant_months.centre_id,
            participant_months.participant_id,
            participant_months.state,
            participant_months.months_since_entry,
            participant_months.months_since_entry - row_number() over (
                partition by
                    participant_months.centre_id,
                    participant_months.participant_id,
                    participant_months.state
                order by participant_months.months_since_entry
            ) as run_key
        from participant_months
        semi join state_months
            on participant_months.centre_id = state_months.centre_id
            and participant_months.participant_id = state_months.participant_id
            and participant_months.state = state_months.state
            and state_months.months
            <> state_months.months_since_entry_to - state_months.months_since_entry_from + 1
    ) as keyed_months
    group by centre_id, participant_id, state, run_key

),

runs as (

    select * from contiguous_runs
    union all
    select * from split_runs

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
{{ only_changed_centres() }}
