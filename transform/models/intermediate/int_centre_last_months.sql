-- The centre's last month (INTERFACES §3, « Monthly state »): the month of its latest date among
-- entry dates, barrier assessments, partnership starts, milestones, exits, follow-ups and hours
-- months. Partnership ends are not in the list, so they do not count.
-- Assessments come from int_participant_paths (every assessment is an event there):
-- fct_barrier_episodes only keeps the assessments that open or lift an episode (and the last
-- one of each episode), not a level 0 that opens nothing (a first 0, or a 0 after a lift).
with

-- The records themselves, not dim_participants: dim_participants reads the last months (its
-- presumed exits, int_participant_latest_activity).
participants as (select * from {{ ref('int_participants_latest') }} {{ only_changed_centres() }}),
paths as (select * from {{ ref('int_participant_paths') }} {{ only_changed_centres() }}),
partnerships as (select * from {{ ref('fct_partnerships') }} {{ only_changed_centres() }}),
milestones as (select * from {{ ref('fct_milestones') }} {{ only_changed_centres() }}),
exits as (select * from {{ ref('fct_exits') }} {{ only_changed_centres() }}),
followups as (select * from {{ ref('fct_followups') }} {{ only_changed_centres() }}),
hours as (select * from {{ ref('fct_hours') }} {{ only_changed_centres() }}),

-- One latest date per centre and kind of record: seven small aggregates, then one more.
latest_dates as (

    select centre_id, max(entry_on) as latest_on from participants group by centre_id
    union all
    select centre_id, max(event_on) as latest_on
    from paths
    where event_type = 'assessment'
    group by centre_id
    union all
    select centre_id, max(started_on) as latest_on from partnerships group by centre_id
    union all
    select centre_id, max(achieved_on) as latest_on from milestones group by centre_id
    union all
    select centre_id, max(exit_date) as latest_on from exits group by centre_id
    union all
    select centre_id, max(observed_on) as latest_on from followups group by centre_id
    union all
    select centre_id, max(month) as latest_on from hours group by centre_id

),

final as (

    select
        centre_id,
        max(latest_on) as last_event_on,
        {{ month_start('max(latest_on)') }} as last_month
    from latest_dates
    group by centre_id
    having max(latest_on) is not null

)

select * from final
{{ only_changed_centres() }}
