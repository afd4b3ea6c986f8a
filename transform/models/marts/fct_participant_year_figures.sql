-- The key figures of a period (Accueil, the yearly report), trainee by trainee and year: what
-- each trainee with an entry date adds to each calendar year. A period of several years is read
-- by grouping its years per trainee (parcours.analytics.home): in training during at least one
-- of them, entries, exits, positive exits and hours summed, a barrier lifted or a milestone
-- during the period by a trainee in training during the period. Persons are counted once per
-- period, so the figures are kept per trainee rather than summed per centre.
with

participants as (
    select * from {{ ref('dim_participants') }} where entry_date is not null
    {{ only_changed_centres('and') }}
),
training_years as (select * from {{ ref('fct_training_years') }} {{ only_changed_centres() }}),
exits as (select * from {{ ref('fct_exits') }} {{ only_changed_centres() }}),
hours as (select * from {{ ref('fct_hours') }} {{ only_changed_centres() }}),
episodes as (select * from {{ ref('fct_barrier_episodes') }} {{ only_changed_centres() }}),
milestones as (select * from {{ ref('fct_milestones') }} {{ only_changed_centres() }}),

-- One line per fact and year.
facts as (

    select
        centre_id,
        participant_id,
        year,
        1 as in_training,
        0 as entries,
        0 as exits,
        0 as positive_exits,
        0.0 as hours,
        0 as lifts,
        0 as milestones
    from training_years
    union all
    select
        centre_id,
        participant_id,
        year(entry_date) as year,
        0 as in_training,
        1 as entries,
        0 as exits,
        0 as positive_exits,
        0.0 as hours,
        0 as lifts,
        0 as milestones
    from participants
    union all
    select
        centre_id,
        participant_id,
        year(exit_date) as year,
        0 as in_training,
        0 as entries,
        1 as exits,
        case when positive_exit then 1 else 0 end as positive_exits,
        0.0 as hours,
        0 as lifts,
        0 as milestones
    from exits
    where exit_date is not null
    union all
    select
        centre_id,
        participant_id,
        year(month) as year,
        0 as in_training,
        0 as entries,
        0 as exits,
        0 as positive_exits,
        hours,
        0 as lifts,
        0 as milestones
    from hours
    union all
    select
        centre_id,
        participant_id,
        year(lifted_on) as year,
        0 as in_training,
        0 as entries,
        0 as exits,
        0 as positive_exits,
        0.0 as hours,
        1 as lifts,
        0 as milestones
    from episodes
    where lifted_on is not null
    union all
    select
        centre_id,
        participant_id,
        year(achieved_on) as year,
        0 as in_training,
        0 as entries,
        0 as exits,
        0 as positive_exits,
        0.0 as hours,
        0 as lifts,
        1 as milestones
    from milestones
    where achieved_on is not null

),

final as (

    select
        ---------- ids
        facts.centre_id,
        facts.participant_id,
        facts.year::smallint as year,

        ---------- flags
        max(facts.in_training) = 1 as is_in_training,
        sum(facts.lifts) > 0 as has_barrier_lifted,
        sum(facts.milestones) > 0 as has_milestone,

        ---------- numbers
        sum(facts.entries)::integer as entries,
        sum(facts.exits)::integer as exits,
        sum(facts.positive_exits)::integer as positive_exits,
        sum(facts.hours)::double as hours

    from facts
    inner join participants using (centre_id, participant_id)
    group by facts.centre_id, facts.participant_id, facts.year

)

select * from final
{{ only_changed_centres() }}
