-- The presumed exit (INTERFACES §3, v1.2): centres forget to send exits, and a trainee must not
-- stay « en formation » for years on a forgotten record. A participant's latest activity is the
-- latest of their entry date, their hours months with hours > 0 (as the month's first day),
-- their assessments, partnership starts and milestones. Without any exit, a latest activity in a
-- month 7 or more months before the centre's last month is a presumed exit.
-- A month of 0 hours is a record, not an activity: it says the trainee did not come.
with

seen as (select * from {{ ref('int_participants_seen') }} {{ only_changed_centres() }}),
participants as (select * from {{ ref('int_participants_latest') }} {{ only_changed_centres() }}),
hours as (select * from {{ ref('int_hours_latest') }} {{ only_changed_centres() }}),
barriers as (select * from {{ ref('int_barriers_latest') }} {{ only_changed_centres() }}),
partnerships as (select * from {{ ref('int_partnerships_latest') }} {{ only_changed_centres() }}),
milestones as (select * from {{ ref('int_milestones_latest') }} {{ only_changed_centres() }}),
exits as (select * from {{ ref('int_exits_latest') }} {{ only_changed_centres() }}),
centre_last_months as (
    select * from {{ ref('int_centre_last_months') }} {{ only_changed_centres() }}
),

activities as (

    select centre_id, participant_id, entry_on as active_on from participants
    union all
    select centre_id, participant_id, month_on as active_on from hours where hours > 0
    union all
    select centre_id, participant_id, assessed_on as active_on from barriers
    union all
    select centre_id, participant_id, started_on as active_on from partnerships
    union all
    select centre_id, participant_id, achieved_on as active_on from milestones

),

latest_activities as (

    select centre_id, participant_id, max(active_on) as latest_activity_on
    from activities
    group by centre_id, participant_id

),

with_exit as (

    select distinct centre_id, participant_id from exits

),

final as (

    select
        ---------- ids
        seen.centre_id,
        seen.participant_id,

        ---------- dates
        latest_activities.latest_activity_on,
        {{ month_start('latest_activities.latest_activity_on') }} as latest_activity_month,
        centre_last_months.last_month as centre_last_month,

        ---------- flags
        with_exit.participant_id is not null as has_exit,
        coalesce(
            with_exit.participant_id is null
            and {{ month_start('latest_activities.latest_activity_on') }}
            <= centre_last_months.last_month - interval 7 month,
            false
        ) as is_presumed_exit

    from seen
    left join latest_activities using (centre_id, participant_id)
    left join with_exit using (centre_id, participant_id)
    left join centre_last_months using (centre_id)

)

select * from final
{{ only_changed_centres() }}
