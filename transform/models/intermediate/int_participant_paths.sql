-- Each participant's ordered path: one row per event (entry, barrier assessment, partnership
-- start and end, milestone, exit, follow-up, hours month), numbered in date order. Events of
-- the same day follow the natural order of a path (entry first, exit and follow-up last); an
-- hours month is dated on its first day but sorted at its end (the hours were spent during it).
-- Each row also carries what the path page draws from it: a partnership's name, purpose, result
-- and end on its start and end rows, and on every row the participant's last known date (where
-- the page stops a bar still open).
with

participants as (select * from {{ ref('int_participants_latest') }} {{ only_changed_centres() }}),
barriers as (select * from {{ ref('int_barriers_latest') }} {{ only_changed_centres() }}),
partnerships as (select * from {{ ref('int_partnerships_latest') }} {{ only_changed_centres() }}),
milestones as (select * from {{ ref('int_milestones_latest') }} {{ only_changed_centres() }}),
exits as (select * from {{ ref('int_exits_latest') }} {{ only_changed_centres() }}),
followups as (select * from {{ ref('int_followups_latest') }} {{ only_changed_centres() }}),
hours as (select * from {{ ref('int_hours_latest') }} {{ only_changed_centres() }}),
episodes as (
    select * from {{ ref('int_barrier_assessments_to_episodes') }} {{ only_changed_centres() }}
),

events as (

    select
        centre_id,
        participant_id,
        entry_on as event_on,
        'entry' as event_type,
        1 as same_day_rank,
        filiere as event_code,
        null::double as event_value,
        training_area as detail,
        null::varchar as partner_name,
        null::varchar as purpose,
        null::varchar as result,
        null::date as ended_on
    from participants

    union all

    select
        centre_id,
        participant_id,
        assessed_on as event_on,
        'assessment' as event_type,
        2 as same_day_rank,
        barrier as event_code,
        level::double as event_value,
        null as detail,
        null::varchar as partner_name,
        null::varchar as purpose,
        null::varchar as result,
        null::date as ended_on
    from barriers

    union all

    select
        centre_id,
        participant_id,
        started_on as event_on,
        'partnership_start' as event_type,
        3 as same_day_rank,
        partner_type as event_code,
        null as event_value,
        concat_ws(' — ', partner_name, purpose) as detail,
        partner_name,
        purpose,
        result,
        ended_on
    from partnerships

    union all

    select
        centre_id,
        participant_id,
        ended_on as event_on,
        'partnership_end' as event_type,
        4 as same_day_rank,
        partner_type as event_code,
        null as event_value,
        concat_ws(' — ', partner_name, result) as detail,
        partner_name,
        purpose,
        result,
        ended_on
    from partnerships
    where ended_on is not null

    union all

    select
        centre_id,
        participant_id,
        achieved_on as event_on,
        'milestone' as event_type,
        5 as same_day_rank,
        milestone as event_code,
        null as event_value,
        detail,
        null::varchar as partner_name,
        null::varchar as purpose,
        null::varchar as result,
        null::date as ended_on
    from milestones

    union all

    select
        centre_id,
        participant_id,
        month_on as event_on,
        'hours_month' as event_type,
        6 as same_day_rank,
        null as event_code,
        hours as event_value,
        null as detail,
        null::varchar as partner_name,
        null::varchar as purpose,
        null::varchar as result,
        null::date as ended_on
    from hours

    union all

    select
        centre_id,
        participant_id,
        exit_on as event_on,
        'exit' as event_type,
        7 as same_day_rank,
        destination as event_code,
        null as event_value,
        reason as detail,
        null::varchar as partner_name,
        null::varchar as purpose,
        null::varchar as result,
        null::date as ended_on
    from exits

    union all

    select
        centre_id,
        participant_id,
        observed_on as event_on,
        'followup' as event_type,
        8 as same_day_rank,
        situation as event_code,
        null as event_value,
        null as detail,
        null::varchar as partner_name,
        null::varchar as purpose,
        null::varchar as result,
        null::date as ended_on
    from followups

),

-- The participant's last known date, up to which the path page draws a bar still open: the
-- latest entry, partnership start or end, milestone, exit, follow-up, hours month (at its end),
-- barrier episode opening or lift. An assessment inside an episode, or a level 0 that opens
-- nothing, does not move it.
known_dates as (

    select
        centre_id,
        participant_id,
        case when event_type = 'hours_month' then last_day(event_on) else event_on end as known_on
    from events
    where event_type != 'assessment'

    union all

    select centre_id, participant_id, identified_on as known_on from episodes

    union all

    select centre_id, participant_id, lifted_on as known_on from episodes

),

last_known as (

    select centre_id, participant_id, max(known_on) as last_known_on
    from known_dates
    group by centre_id, participant_id

),

ordered as (

    select
        events.centre_id,
        events.participant_id,
        row_number() over (
            partition by events.centre_id, events.participant_id
            order by
                case
                    when events.event_type = 'hours_month' then last_day(events.event_on)
                    else events.event_on
                end,
                events.same_day_rank,
                events.event_code
        )::integer as event_order,
        events.event_on,
        events.event_type,
        events.event_code,
        events.event_value,
        events.detail,
        events.partner_name,
        events.purpose,
        events.result,
        events.ended_on,
        last_known.last_known_on
    from events
    left join last_known using (centre_id, participant_id)

)

select * from ordered
{{ only_changed_centres() }}
