-- The data's end: the latest date the warehouse knows anything about, over the same events as a
-- participant's path (int_participant_paths): entries, barrier assessments, partnership starts
-- and ends, milestones, exits, follow-ups and hours months (dated on their first day). Read from
-- the records themselves, so no aggregate depends on the path report to know where time stops.
with

event_dates as (

    select max(entry_on) as last_on from {{ ref('int_participants_latest') }}
    union all
    select max(assessed_on) from {{ ref('int_barriers_latest') }}
    union all
    select max(started_on) from {{ ref('int_partnerships_latest') }}
    union all
    select max(ended_on) from {{ ref('int_partnerships_latest') }}
    union all
    select max(achieved_on) from {{ ref('int_milestones_latest') }}
    union all
    select max(exit_on) from {{ ref('int_exits_latest') }}
    union all
    select max(observed_on) from {{ ref('int_followups_latest') }}
    union all
    select max(month_on) from {{ ref('int_hours_latest') }}

),

final as (

    select
        max(last_on) as last_event_on,
        {{ month_start('max(last_on)') }} as last_month
    from event_dates

)

select * from final
