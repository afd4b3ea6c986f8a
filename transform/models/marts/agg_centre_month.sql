{% set population = 'age_band, gender, education, status_at_entry' %}
with

participants as (select * from {{ ref('dim_participants') }}),
exits as (select * from {{ ref('fct_exits') }}),
hours as (select * from {{ ref('fct_hours') }}),
milestones as (select * from {{ ref('fct_milestones') }}),
episodes as (select * from {{ ref('fct_barrier_episodes') }}),
data_end as (select last_month from {{ ref('int_data_end') }}),

-- The filière and the population (age band, gender, education, status at entry) of every
-- record are its participant's (population_columns, as dim_participant_population). A null
-- would match nothing in the joins below, so trainees without one are grouped under
-- 'undeclared' / 'unknown'. Records are left-joined: none is lost on the way.
groups as (

    select
        participants.centre_id,
        participants.participant_id,
        {{ population_columns('participants') }},
        participants.entry_date,
        participants.exit_date,
        participants.presumed_exit,
        participants.latest_activity_on
    from participants

),

-- In training during a month = entered by its end and not exited before its start: the one
-- definition, macro training_span (fct_training_years has it by year, for the pages). Counted
-- as +1 at the first month in training (the entry month) and -1 at the first month out of
-- training (the month after the latest exit, or after the latest activity for a presumed exit,
-- never before the entry month).
training_spans as (

    select
        groups.centre_id,
        groups.filiere,
        groups.age_band,
        groups.gender,
        groups.education,
        groups.status_at_entry,
        {{ training_span('groups', 'month') }}
    from groups
    where groups.entry_date is not null

),

training_moves as (

    select
        centre_id,
        filiere,
        {{ population }},
        first_month_in_training as month,
        1 as delta,
        1 as entries
    from training_spans

    union all

    select
        centre_id,
        filiere,
        {{ population }},
        first_month_out_of_training as month,
        -1 as delta,
        0 as entries
    from training_spans
    where first_month_out_of_training is not null

),

monthly_moves as (

    select
        centre_id,
        filiere,
        {{ population }},
        month,
        sum(delta) as delta,
        sum(entries) as entries
    from training_moves
    group by all

),

monthly_exits as (

    select
        exits.centre_id,
        {{ filiere_or_undeclared('groups.filiere') }} as filiere,
        coalesce(groups.age_band, 'unknown') as age_band,
        coalesce(groups.gender, 'unknown') as gender,
        coalesce(groups.education, 'unknown') as education,
        coalesce(groups.status_at_entry, 'unknown') as status_at_entry,
        {{ month_start('exits.exit_date') }} as month,
        count(*) as exits,
        count(*) filter (where exits.positive_exit) as positive_exits
    from exits
    left join groups
        on exits.centre_id = groups.centre_id
        and exits.participant_id = groups.participant_id
    group by all

),

monthly_hours as (

    select
        hours.centre_id,
        {{ filiere_or_undeclared('groups.filiere') }} as filiere,
        coalesce(groups.age_band, 'unknown') as age_band,
        coalesce(groups.gender, 'unknown') as gender,
        coalesce(groups.education, 'unknown') as education,
        coalesce(groups.status_at_entry, 'unknown') as status_at_entry,
        hours.month,
        sum(hours.hours) as hours
    from hours
    left join groups
        on hours.centre_id = groups.centre_id
        and hours.participant_id = groups.participant_id
    group by all

),

monthly_milestones as (

    select
        milestones.centre_id,
        {{ filiere_or_undeclared('groups.filiere') }} as filiere,
        coalesce(groups.age_band, 'unknown') as age_band,
        coalesce(groups.gender, 'unknown') as gender,
        coalesce(groups.education, 'unknown') as education,
        coalesce(groups.status_at_entry, 'unknown') as status_at_entry,
        {{ month_start('milestones.achieved_on') }} as month,
        count(*) as milestones_achieved
    from milestones
    left join groups
        on milestones.centre_id = groups.centre_id
        and milestones.participant_id = groups.participant_id
    group by all

),

monthly_openings as (

    select
        episodes.centre_id,
        {{ filiere_or_undeclared('groups.filiere') }} as filiere,
        coalesce(groups.age_band, 'unknown') as age_band,
        coalesce(groups.gender, 'unknown') as gender,
        coalesce(groups.education, 'unknown') as education,
        coalesce(groups.status_at_entry, 'unknown') as status_at_entry,
        {{ month_start('episodes.identified_on') }} as month,
        count(*) as barrier_episodes_opened,
        count(*) filter (where episodes.is_setback) as setbacks
    from episodes
    left join groups
        on episodes.centre_id = groups.centre_id
        and episodes.participant_id = groups.participant_id
    group by all

),

monthly_lifts as (

    select
        episodes.centre_id,
        {{ filiere_or_undeclared('groups.filiere') }} as filiere,
        coalesce(groups.age_band, 'unknown') as age_band,
        coalesce(groups.gender, 'unknown') as gender,
        coalesce(groups.education, 'unknown') as education,
        coalesce(groups.status_at_entry, 'unknown') as status_at_entry,
        {{ month_start('episodes.lifted_on') }} as month,
        count(*) as barrier_episodes_lifted
    from episodes
    left join groups
        on episodes.centre_id = groups.centre_id
        and episodes.participant_id = groups.participant_id
    where episodes.lifted_on is not null
    group by all

),

activity_months as (

    select centre_id, filiere, {{ population }}, month from monthly_moves
    union
    select centre_id, filiere, {{ population }}, month from monthly_exits
    union
    select centre_id, filiere, {{ population }}, month from monthly_hours
    union
    select centre_id, filiere, {{ population }}, month from monthly_milestones
    union
    select centre_id, filiere, {{ population }}, month from monthly_openings
    union
    select centre_id, filiere, {{ population }}, month from monthly_lifts

),

-- Every month from a group's first activity to its last one, so that "in training" is carried
-- through months without events: to the data's last month while someone of the group is still
-- in training, else to its last move or event (the month after its latest exit included). With
-- the population columns most groups are a few trainees: a group that is over stops there
-- instead of carrying zeros to the data's end.
group_balances as (

    select centre_id, filiere, {{ population }}, sum(delta) as still_in_training
    from monthly_moves
    group by all

),

spans as (

    select
        activity_months.centre_id,
        activity_months.filiere,
        activity_months.age_band,
        activity_months.gender,
        activity_months.education,
        activity_months.status_at_entry,
        min(activity_months.month) as first_month,
        case
            when coalesce(any_value(group_balances.still_in_training), 0) > 0
                then any_value(data_end.last_month)
            else least(max(activity_months.month), any_value(data_end.last_month))
        end as last_month
    from activity_months
    left join group_balances using (centre_id, filiere, {{ population }})
    cross join data_end
    group by all

),

calendar as (

    select
        centre_id,
        filiere,
        {{ population }},
        unnest(generate_series(first_month, last_month, interval 1 month))::date as month
    from spans

),

final as (

    select
        calendar.centre_id,
        calendar.filiere,
        calendar.age_band,
        calendar.gender,
        calendar.education,
        calendar.status_at_entry,
        calendar.month,
        (sum(coalesce(monthly_moves.delta, 0)) over (
            partition by
                calendar.centre_id,
                calendar.filiere,
                calendar.age_band,
                calendar.gender,
                calendar.education,
                calendar.status_at_entry
            order by calendar.month
            rows between unbounded preceding and current row
        ))::integer as participants_in_training,
        coalesce(monthly_moves.entries, 0)::integer as entries,
        coalesce(monthly_exits.exits, 0)::integer as exits,
        coalesce(monthly_exits.positive_exits, 0)::integer as positive_exits,
        coalesce(monthly_hours.hours, 0)::double as hours,
        coalesce(monthly_milestones.milestones_achieved, 0)::integer as milestones_achieved,
        coalesce(monthly_openings.barrier_episodes_opened, 0)::integer as barrier_episodes_opened,
        coalesce(monthly_lifts.barrier_episodes_lifted, 0)::integer as barrier_episodes_lifted,
        coalesce(monthly_openings.setbacks, 0)::integer as setbacks
    from calendar
    left join monthly_moves using (centre_id, filiere, {{ population }}, month)
    left join monthly_exits using (centre_id, filiere, {{ population }}, month)
    left join monthly_hours using (centre_id, filiere, {{ population }}, month)
    left join monthly_milestones using (centre_id, filiere, {{ population }}, month)
    left join monthly_openings using (centre_id, filiere, {{ population }}, month)
    left join monthly_lifts using (centre_id, filiere, {{ population }}, month)

)

select * from final
