with

seen as (select * from {{ ref('int_participants_seen') }} {{ only_changed_centres() }}),
participants as (select * from {{ ref('int_participants_latest') }} {{ only_changed_centres() }}),
centres as (select * from {{ ref('dim_centres') }}),
provinces as (select * from {{ ref('stg_postal_code_provinces') }}),
exits as (select * from {{ ref('fct_exits') }} {{ only_changed_centres() }}),
milestones as (select * from {{ ref('int_milestones_latest') }} {{ only_changed_centres() }}),
episodes as (select * from {{ ref('fct_barrier_episodes') }} {{ only_changed_centres() }}),
hours as (select * from {{ ref('int_hours_latest') }} {{ only_changed_centres() }}),
activity as (
    select * from {{ ref('int_participant_latest_activity') }} {{ only_changed_centres() }}
),

-- dim_participants.exit_date / destination: the participant's latest exit (INTERFACES §3).
latest_exits as (

    select
        centre_id,
        participant_id,
        max(exit_date) as exit_date,
        arg_max(destination, exit_date) as destination,
        arg_max(positive_exit, exit_date) as positive_exit,
        count(*) as exits
    from exits
    group by centre_id, participant_id

),

first_positive_exits as (

    select centre_id, participant_id, min(exit_date) as first_positive_exit_on
    from exits
    where positive_exit
    group by centre_id, participant_id

),

milestone_summary as (

    select centre_id, participant_id, min(achieved_on) as first_milestone_on, count(*) as milestones
    from milestones
    group by centre_id, participant_id

),

episode_summary as (

    select
        centre_id,
        participant_id,
        count(*) as barrier_episodes,
        count(*) filter (where is_lifted) as barriers_lifted,
        count(*) filter (where is_setback) as setbacks
    from episodes
    group by centre_id, participant_id

),

hours_summary as (

    select centre_id, participant_id, sum(hours) as hours_total
    from hours
    group by centre_id, participant_id

),

final as (

    select
        ---------- ids
        seen.centre_id,
        seen.participant_id,
        participants.person_key,

        ---------- entry
        participants.entry_on as entry_date,
        year(participants.entry_on)::smallint as entry_year,

        ---------- profile
        participants.birth_year,
        participants.gender,
        participants.education,
        participants.postal_code,
        provinces.province,
        participants.filiere,
        participants.training_area,
        participants.referral,
        participants.status_at_entry,

        ---------- latest exit
        latest_exits.exit_date,
        latest_exits.destination,
        latest_exits.positive_exit,
        first_positive_exits.first_positive_exit_on,

        ---------- presumed exit (INTERFACES §3, v1.2): no exit and nothing for 7 months or more;
        -- exit_date, destination and positive_exit stay null.
        coalesce(activity.is_presumed_exit, false) as presumed_exit,
        activity.latest_activity_on,

        ---------- centre
        centres.federation,
        centres.province as centre_province,

        ---------- path summary
        participants.participant_id is not null as is_declared,
        coalesce(episode_summary.barrier_episodes, 0)::integer as barrier_episodes,
        coalesce(episode_summary.barriers_lifted, 0) > 0 as has_barrier_lifted,
        coalesce(episode_summary.setbacks, 0) > 0 as has_setback,
        coalesce(milestone_summary.milestones, 0)::integer as milestones,
        coalesce(milestone_summary.milestones, 0) > 0 as has_milestone,
        milestone_summary.first_milestone_on,
        coalesce(latest_exits.exits, 0)::integer as exits,
        coalesce(hours_summary.hours_total, 0)::double as hours_total

    from seen
    left join participants using (centre_id, participant_id)
    left join centres using (centre_id)
    left join provinces
        on participants.postal_code between provinces.postal_code_from and provinces.postal_code_to
    left join latest_exits using (centre_id, participant_id)
    left join first_positive_exits using (centre_id, participant_id)
    left join milestone_summary using (centre_id, participant_id)
    left join episode_summary using (centre_id, participant_id)
    left join hours_summary using (centre_id, participant_id)
    left join activity using (centre_id, participant_id)

)

select * from final
{{ only_changed_centres() }}
