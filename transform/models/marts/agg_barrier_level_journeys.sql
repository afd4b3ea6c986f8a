-- Barrier levels over time (the Outcomes Star's « journey »): per barrier and calendar month
-- since entry (0 = the entry month, up to 36 as in fct_participant_months), how many trainees
-- were assessed at each level that month. A trainee assessed twice in a month counts once, at
-- the month's latest assessment. Assessments before the entry month or after month 36 are
-- left out.
with

participants as (

    select * from {{ ref('dim_participants') }} where entry_date is not null
    {{ only_changed_centres('and') }}

),

assessments as (select * from {{ ref('int_barriers_latest') }} {{ only_changed_centres() }}),

monthly as (

    select
        assessments.centre_id,
        assessments.participant_id,
        assessments.barrier,
        date_diff(
            'month',
            {{ month_start('participants.entry_date') }},
            {{ month_start('assessments.assessed_on') }}
        )::integer as months_since_entry,
        arg_max(assessments.level, assessments.assessed_on)::integer as level
    from assessments
    inner join participants
        on assessments.centre_id = participants.centre_id
        and assessments.participant_id = participants.participant_id
    group by all

),

final as (

    select
        participants.centre_id,
        {{ population_columns('participants') }},
        monthly.barrier,
        monthly.months_since_entry,
        monthly.level,
        count(*)::integer as trainees
    from monthly
    inner join participants
        on monthly.centre_id = participants.centre_id
        and monthly.participant_id = participants.participant_id
    where monthly.months_since_entry between 0 and 36
    group by all

)

select * from final
{{ only_changed_centres() }}
