with

participants as (
    select * from {{ ref('dim_participants') }} where entry_date is not null
),

-- The last date the warehouse knows anything about: later months cannot be observed yet.
data_end as (

    select max(event_on) as last_event_on from {{ ref('rpt_participant_paths') }}

),

offsets as (

    select unnest(range(0, {{ var('cohort_months') }} + 1))::integer as months_since_entry

),

participant_offsets as (

    select
        participants.centre_id,
        participants.filiere,
        participants.entry_year,
        offsets.months_since_entry,
        participants.entry_date + to_months(offsets.months_since_entry) <= data_end.last_event_on
            as is_observable,
        coalesce(
            date_sub('month', participants.entry_date, participants.first_milestone_on)
                <= offsets.months_since_entry,
            false
        ) as has_milestone_by_then,
        coalesce(
            date_sub('month', participants.entry_date, participants.first_positive_exit_on)
                <= offsets.months_since_entry,
            false
        ) as has_positive_exit_by_then
    from participants
    cross join offsets
    cross join data_end

),

final as (

    select
        centre_id,
        filiere,
        entry_year,
        months_since_entry,
        count(*)::integer as cohort_size,
        count(*) filter (where is_observable)::integer as participants_observable,
        count(*) filter (where has_milestone_by_then)::integer as with_first_milestone,
        count(*) filter (where has_positive_exit_by_then)::integer as with_positive_exit
    from participant_offsets
    group by all

)

select * from final
