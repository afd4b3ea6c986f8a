-- Each participant's ordered path: one row per event (entry, barrier assessment, partnership
-- start and end, milestone, exit, follow-up, hours month), numbered in date order. Events of
-- the same day follow the natural order of a path (entry first, exit and follow-up last); an
-- hours month is dated on its first day but sorted at its end (the hours were spent during it).
with

participants as (select * from {{ ref('int_participants_latest') }}),
barriers as (select * from {{ ref('int_barriers_latest') }}),
partnerships as (select * from {{ ref('int_partnerships_latest') }}),
milestones as (select * from {{ ref('int_milestones_latest') }}),
exits as (select * from {{ ref('int_exits_latest') }}),
followups as (select * from {{ ref('int_followups_latest') }}),
hours as (select * from {{ ref('int_hours_latest') }}),

events as (

    select centre_id, participant_id, entry_on as event_on, 'entry' as event_type, 1 as same_day_rank,
        filiere as event_code, null::double as event_value, training_area as detail
    from participants

    union all
    select centre_id, participant_id, assessed_on, 'assessment', 2,
        barrier, level::double, null
    from barriers

    union all
    select centre_id, participant_id, started_on, 'partnership_start', 3,
        partner_type, null, concat_ws(' — ', partner_name, purpose)
    from partnerships

    union all
    select centre_id, participant_id, ended_on, 'partnership_end', 4,
        partner_type, null, concat_ws(' — ', partner_name, result)
    from partnerships
    where ended_on is not null

    union all
    select centre_id, participant_id, achieved_on, 'milestone', 5,
        milestone, null, detail
    from milestones

    union all
    select centre_id, participant_id, month_on, 'hours_month', 6,
        null, hours, null
    from hours

    union all
    select centre_id, participant_id, exit_on, 'exit', 7,
        destination, null, reason
    from exits

    union all
    select centre_id, participant_id, observed_on, 'followup', 8,
        situation, null, null
    from followups

),

ordered as (

    select
        centre_id,
        participant_id,
        row_number() over (
            partition by centre_id, participant_id
            order by
                case when event_type = 'hours_month' then last_day(event_on) else event_on end,
                same_day_rank,
                event_code
        )::integer as event_order,
        event_on,
        event_type,
        event_code,
        event_value,
        detail
    from events

)

select * from ordered
