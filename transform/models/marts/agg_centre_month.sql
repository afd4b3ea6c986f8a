{% set population = 'age_band, gender, education, status_at_entry' %}
with

participants as (select * from {{ ref('dim_participants') }} {{ only_changed_centres() }}),
exits as (select * from {{ ref('fct_exits') }} {{ only_changed_centres() }}),
hours as (select * from {{ ref('fct_hours') }} {{ only_changed_centres() }}),
milestones as (select * from {{ ref('fct_milestones') }} {{ only_changed_centres() }}),
episodes as (select * from {{ ref('fct_barrier_episodes') }} {{ only_changed_centres() }}),
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

-- Every record as one row of measures in its group and month (the moves in and out of training,
-- exits, hours, milestones, barrier episodes opened and lifted), summed once by group and month.
-- One stream and one grouping, not one aggregate per measure joined back six times on the seven
-- key columns: those joins took most of this model's time at the sector's scale.
records as (

    select
        centre_id,
        filiere,
        {{ population }},
        first_month_in_training as month,
        1 as delta,
        1 as entries,
        0 as exits,
        0 as positive_exits,
        null::double as hours,
        0 as milestones_achieved,
        0 as barrier_episodes_opened,
        0 as barrier_episodes_lifted,
        0 as setbacks
    from training_spans

    union all

    select
        centre_id,
        filiere,
        {{ population }},
        first_month_out_of_training as month,
        -1 as delta,
        0 as entries,
        0 as exits,
        0 as positive_exits,
        null::double as hours,
        0 as milestones_achieved,
        0 as barrier_episodes_opened,
        0 as barrier_episodes_lifted,
        0 as setbacks
    from training_spans
    where first_month_out_of_training is not null

    union all

    select
        exits.centre_id,
        {{ filiere_or_undeclared('groups.filiere') }} as filiere,
        coalesce(groups.age_band, 'unknown') as age_band,
        coalesce(groups.gender, 'unknown') as gender,
        coalesce(groups.education, 'unknown') as education,
        coalesce(groups.status_at_entry, 'unknown') as status_at_entry,
        {{ month_start('exits.exit_date') }} as month,
        0 as delta,
        0 as entries,
        1 as exits,
        case when exits.positive_exit then 1 else 0 end as positive_exits,
        null::double as hours,
        0 as milestones_achieved,
        0 as barrier_episodes_opened,
        0 as barrier_episodes_lifted,
        0 as setbacks
    from exits
    left join groups
        on exits.centre_id = groups.centre_id
        and exits.participant_id = groups.participant_id

    union all

    select
        hours.centre_id,
        {{ filiere_or_undeclared('groups.filiere') }} as filiere,
        coalesce(groups.age_band, 'unknown') as age_band,
        coalesce(groups.gender, 'unknown') as gender,
        coalesce(groups.education, 'unknown') as education,
        coalesce(groups.status_at_entry, 'unknown') as status_at_entry,
        hours.month,
        0 as delta,
        0 as entries,
        0 as exits,
        0 as positive_exits,
        hours.hours,
        0 as milestones_achieved,
        0 as barrier_episodes_opened,
        0 as barrier_episodes_lifted,
        0 as setbacks
    from hours
    left join groups
        on hours.centre_id = groups.centre_id
        and hours.participant_id = groups.participant_id

    union all

    select
        milestones.centre_id,
        {{ filiere_or_undeclared('groups.filiere') }} as filiere,
        coalesce(groups.age_band, 'unknown') as age_band,
        coalesce(groups.gender, 'unknown') as gender,
        coalesce(groups.education, 'unknown') as education,
        coalesce(groups.status_at_entry, 'unknown') as status_at_entry,
        {{ month_start('milestones.achieved_on') }} as month,
        0 as delta,
        0 as entries,
        0 as exits,
        0 as positive_exits,
        null::double as hours,
        1 as milestones_achieved,
        0 as barrier_episodes_opened,
        0 as barrier_episodes_lifted,
        0 as setbacks
    from milestones
    left join groups
        on milestones.centre_id = groups.centre_id
        and milestones.participant_id = groups.participant_id

    union all

    select
        episodes.centre_id,
        {{ filiere_or_undeclared('groups.filiere') }} as filiere,
        coalesce(groups.age_band, 'unknown') as age_band,
        coalesce(groups.gender, 'unknown') as gender,
        coalesce(groups.education, 'unknown') as education,
        coalesce(groups.status_at_entry, 'unknown') as status_at_entry,
        {{ month_start('episodes.identified_on') }} as month,
        0 as delta,
        0 as entries,
        0 as exits,
        0 as positive_exits,
        null::double as hours,
        0 as milestones_achieved,
        1 as barrier_episodes_opened,
        0 as barrier_episodes_lifted,
        case when episodes.is_setback then 1 else 0 end as setbacks
    from episodes
    left join groups
        on episodes.centre_id = groups.centre_id
        and episodes.participant_id = groups.participant_id

    union all

    select
        episodes.centre_id,
        {{ filiere_or_undeclared('groups.filiere') }} as filiere,
        coalesce(groups.age_band, 'unknown') as age_band,
        coalesce(groups.gender, 'unknown') as gender,
        coalesce(groups.education, 'unknown') as education,
        coalesce(groups.status_at_entry, 'unknown') as status_at_entry,
        {{ month_start('episodes.lifted_on') }} as month,
        0 as delta,
        0 as entries,
        0 as exits,
        0 as positive_exits,
        null::double as hours,
        0 as milestones_achieved,
        0 as barrier_episodes_opened,
        1 as barrier_episodes_lifted,
        0 as setbacks
    from episodes
    left join groups
        on episodes.centre_id = groups.centre_id
        and episodes.participant_id = groups.participant_id
    where episodes.lifted_on is not null

),

monthly as (

    select
        centre_id,
        filiere,
        {{ population }},
        month,
        sum(delta) as delta,
        sum(entries) as entries,
        sum(exits) as exits,
        sum(positive_exits) as positive_exits,
        sum(hours) as hours,
        sum(milestones_achieved) as milestones_achieved,
        sum(barrier_episodes_opened) as barrier_episodes_opened,
        sum(barrier_episodes_lifted) as barrier_episodes_lifted,
        sum(setbacks) as setbacks
    from records
    group by all

),

-- Every month from a group's first activity to its last one, so that "in training" is carried
-- through months without events: to the data's last month while someone of the group is still
-- in training, else to its last move or event (the month after its latest exit included). With
-- the population columns most groups are a few trainees: a group that is over stops there
-- instead of carrying zeros to the data's end. Each group gets a number (`group_number`): the
-- running count partitions by it rather than by six text columns (8 s of 15 at the sector's
-- scale).
spans as (

    select
        monthly.centre_id,
        monthly.filiere,
        monthly.age_band,
        monthly.gender,
        monthly.education,
        monthly.status_at_entry,
        row_number() over () as group_number,
        min(monthly.month) as first_month,
        case
            when sum(monthly.delta) > 0 then any_value(data_end.last_month)
            else least(max(monthly.month), any_value(data_end.last_month))
        end as last_month
    from monthly
    cross join data_end
    group by all

),

calendar as (

    select
        centre_id,
        filiere,
        {{ population }},
        group_number,
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
        (sum(coalesce(monthly.delta, 0)) over (
            partition by calendar.group_number
            order by calendar.month
            rows between unbounded preceding and current row
        ))::integer as participants_in_training,
        coalesce(monthly.entries, 0)::integer as entries,
        coalesce(monthly.exits, 0)::integer as exits,
        coalesce(monthly.positive_exits, 0)::integer as positive_exits,
        coalesce(monthly.hours, 0)::double as hours,
        coalesce(monthly.milestones_achieved, 0)::integer as milestones_achieved,
        coalesce(monthly.barrier_episodes_opened, 0)::integer as barrier_episodes_opened,
        coalesce(monthly.barrier_episodes_lifted, 0)::integer as barrier_episodes_lifted,
        coalesce(monthly.setbacks, 0)::integer as setbacks
    from calendar
    left join monthly using (centre_id, filiere, {{ population }}, month)

)

select * from final
{{ only_changed_centres() }}
