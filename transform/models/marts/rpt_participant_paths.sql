-- The path page's report: each event of int_participant_paths, with what the page shows beside
-- it read from the marts that define it: the participant's profile and latest exit
-- (dim_participants) on every row, the months since the exit on a follow-up (fct_followups).
-- A view: the events are stored once, in int_participant_paths.
with

paths as (select * from {{ ref('int_participant_paths') }}),
participants as (select * from {{ ref('dim_participants') }}),
followups as (select * from {{ ref('fct_followups') }}),

final as (

    select
        ---------- the event
        paths.centre_id,
        paths.participant_id,
        paths.event_order,
        paths.event_on,
        paths.event_type,
        paths.event_code,
        paths.event_value,
        paths.detail,

        ---------- what the page draws from it
        paths.partner_name,
        paths.purpose,
        paths.result,
        paths.ended_on,
        followups.months_after_exit,
        paths.last_known_on,

        ---------- the participant (the same on every row)
        participants.entry_date,
        participants.filiere,
        participants.gender,
        participants.birth_year,
        participants.education,
        participants.referral,
        participants.status_at_entry,
        participants.exit_date,
        participants.destination,
        participants.positive_exit,
        participants.presumed_exit,
        participants.latest_activity_on

    from paths
    left join participants using (centre_id, participant_id)
    left join followups
        on paths.event_type = 'followup'
        and paths.centre_id = followups.centre_id
        and paths.participant_id = followups.participant_id
        and paths.event_on = followups.observed_on

)

select * from final
