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

-- Every group (centre, filière, population) gets a number, and each centre one more for the
-- records of trainees never declared (filière undeclared, population unknown: the same group
-- as a declared trainee with nothing known). The records are then summed and carried from
-- month to month by two numbers, the group's and the month, rather than by seven columns of
-- text (the sort of the running count and its join took 4 s of 6 at the sector's scale); the
-- group's columns come back at the end.
record_centres as (

    select centre_id from exits
    union
    select centre_id from hours
    union
    select centre_id from milestones
    union
    select centre_id from episodes

),

group_keys as (

    select
        centre_id,
        filiere,
        age_band,
        gender,
        education,
        status_at_entry
    from groups
    union
    select
        centre_id,
        {{ undeclared_filiere() }} as filiere,
        'unknown' as age_band,
        'unknown' as gender,
        'unknown' as education,
        'unknown' as status_at_entry
    from record_centres

),

numbered_groups as (

    select
        *,
        row_number() over () as group_number
    from group_keys

),

undeclared_groups as (

    select
        centre_id,
        group_number
    from numbered_groups
    where
        filiere = {{ undeclared_filiere() }}
        and age_band = 'unknown'
        and gender = 'unknown'
        and education = 'unknown'
        and status_at_entry = 'unknown'

),

trainee_groups as (

    select
        groups.*,
        numbered_groups.group_number
    from groups
    inner join numbered_groups
        using (centre_id, filiere, age_band, gender, education, status_at_entry)

),

-- In training during a month = entered by its end and not exited before its start: the one
-- definition, macro training_span (fct_training_years has it by year, for the pages). Counted
-- as +1 at the first month in training (the entry month) and -1 at the first month out of
-- training (the month after the latest exit, or after the latest activity for a presumed exit,
-- never before the entry month).
training_spans as (

    select
        trainee_groups.group_number,
        {{ training_span('trainee_groups', 'month') }}
    from trainee_groups
    where trainee_groups.entry_date is not null

),

-- Every record as one row of measures in its group and month (the moves in and out of training,
-- exits, hours, milestones, barrier episodes opened and lifted), summed once by group and month.
-- One stream and one grouping, not one aggregate per measure joined back six times on the seven
-- key columns: those joins took most of this model's time at the sector's scale.
records as (

    select
        group_number,
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
        group_number,
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
        coalesce(trainee_groups.group_number, undeclared_groups.group_number) as group_number,
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
    left join trainee_groups
        on exits.centre_id = trainee_groups.centre_id
        and exits.participant_id = trainee_groups.participant_id
    left join undeclared_groups on exits.centre_id = undeclared_groups.centre_id

    union all

    select
        coalesce(trainee_groups.group_number, undeclared_groups.group_number) as group_number,
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
    left join trainee_groups
        on hours.centre_id = trainee_groups.centre_id
        and hours.participant_id = trainee_groups.participant_id
    left join undeclared_groups on hours.centre_id = undeclared_groups.centre_id

    union all

    select
        coalesce(trainee_groups.group_number, undeclared_groups.group_number) as group_number,
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
    left join trainee_groups
        on milestones.centre_id = trainee_groups.centre_id
        and milestones.participant_id = trainee_groups.participant_id
    left join undeclared_groups on milestones.centre_id = undeclared_groups.centre_id

    union all

    select
        coalesce(trainee_groups.group_number, undeclared_groups.group_number) as group_number,
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
    left join trainee_groups
        on episodes.centre_id = trainee_groups.centre_id
        and episodes.participant_id = trainee_groups.participant_id
    left join undeclared_groups on episodes.centre_id = undeclared_groups.centre_id

    union all

    select
        coalesce(trainee_groups.group_number, undeclared_groups.group_number) as group_number,
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
    left join trainee_groups
        on episodes.centre_id = trainee_groups.centre_id
        and episodes.participant_id = trainee_groups.participant_id
    left join undeclared_groups on episodes.centre_id = undeclared_groups.centre_id
    where episodes.lifted_on is not null

),

monthly as (

    select
        group_number,
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
-- instead of carrying zeros to the data's end.
spans as (

    select
        monthly.group_number,
        min(monthly.month) as first_month,
        case
            when sum(monthly.delta) > 0 then any_value(data_end.last_month)
            else least(max(monthly.month), any_value(data_end.last_month))
        end as last_month
    from monthly
    cross join data_end
    group by monthly.group_number

),

calendar as (

    select
        group_number,
        unnest(generate_series(first_month, last_month, interval 1 month))::date as month
    from spans

),

carried as (

    select
        calendar.group_number,
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
    left join monthly using (group_number, month)

),

final as (

    select
        numbered_groups.centre_id,
        numbered_groups.filiere,
        numbered_groups.age_band,
        numbered_groups.gender,
        numbered_groups.education,
        numbered_groups.status_at_entry,
        carried.month,
        carried.participants_in_training,
        carried.entries,
        carried.exits,
        carried.positive_exits,
        carried.hours,
        carried.milestones_achieved,
        carried.barrier_episodes_opened,
        carried.barrier_episodes_lifted,
        carried.setbacks
    from carried
    inner join numbered_groups using (group_number)

)

select * from final
{{ only_changed_centres() }}
