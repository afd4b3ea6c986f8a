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

    select
        centre_id,
        participant_id,
        entry_on as event_on,
        'entry' as event_type,
        1 as same_day_rank,
        filiere as event_code,
        null::double as event_value,
        training_area as detail
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
        null as detail
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
        concat_ws(' — ', partner_name, purpose) as detail
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
        concat_ws(' — ', partner_name, result) as detail
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
        detail
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
        null as detail
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
        reason as detail
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
        null as detail
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
