-- Barrier episodes (INTERFACES §3): per (centre, participant, barrier), assessments in date
-- order. A level >= 1 opens an episode when none is open; the first later level 0 lifts it; a
-- level 0 with none open opens nothing; a level >= 1 after a lift opens the next one (a setback).
-- int_barriers_latest already keeps one level per date (the latest upload's), so "open" means the
-- previous assessment had level >= 1.
with

assessments as (

    select * from {{ ref('int_barriers_latest') }} {{ only_changed_centres() }}

),

flagged as (

    select
        *,
        coalesce(
            lag(level) over (
                partition by centre_id, participant_id, barrier order by assessed_on
            ),
            0
        ) as previous_level
    from assessments

),

transitions as (

    select
        *,
        level >= 1 and previous_level = 0 as is_opening,
        level = 0 and previous_level >= 1 as is_lift
    from flagged

),

numbered as (

    select
        *,
        sum(case when is_opening then 1 else 0 end) over (
            partition by centre_id, participant_id, barrier
            order by assessed_on
            rows between unbounded preceding and current row
        ) as episode_number
    from transitions

),

-- An episode is its opening, the assessments while it stays open, and its lift.
episode_assessments as (

    select * from numbered
    where episode_number >= 1 and (level >= 1 or is_lift)

),

episodes as (

    select
        centre_id,
        participant_id,
        barrier,
        episode_number::integer as episode_number,
        min(assessed_on) as identified_on,
        arg_min(level, assessed_on) as initial_level,
        max(case when is_lift then assessed_on end) as lifted_on,
        max(assessed_on) as last_assessed_on,
        arg_max(level, assessed_on) as last_level,
        count(*) as assessments
    from episode_assessments
    group by centre_id, participant_id, barrier, episode_number

),

final as (

    select
        centre_id,
        participant_id,
        barrier,
        episode_number,
        identified_on,
        initial_level::tinyint as initial_level,
        lifted_on,
        (lifted_on - identified_on)::integer as days_to_lift,
        lifted_on is not null as is_lifted,
        episode_number > 1 as is_setback,
        last_assessed_on,
        last_level::tinyint as last_level,
        assessments::integer as assessments,
        (coalesce(lifted_on, last_assessed_on) - identified_on)::integer as observed_days
    from episodes

)

select * from final
{{ only_changed_centres() }}
