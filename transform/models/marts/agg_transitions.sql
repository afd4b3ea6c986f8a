-- Where trainees go: per cohort and population, the situation at entry (status_at_entry; its
-- list has no group), the group of the latest exit's destination, and the group of the
-- situation found by the follow-up nearest to 6 and to 12 months after that exit.
with

participants as (
    select * from {{ ref('dim_participants') }} where exit_date is not null
    {{ only_changed_centres('and') }}
),
followups as (select * from {{ ref('fct_followups') }} {{ only_changed_centres() }}),
situations as (select * from {{ ref('stg_codes') }} where code_list = 'situation'),

-- Each horizon looks at follow-ups from 2 months before to 2 months after it (bounds
-- included): 4–8 months for « 6 months », 10–14 for « 12 months »; the windows do not overlap.
horizons as (

    select horizon_values.months_after_exit
    from (values (6), (12)) as horizon_values (months_after_exit)

),

candidates as (

    select
        participants.centre_id,
        participants.participant_id,
        horizons.months_after_exit,
        followups.situation,
        followups.observed_on,
        abs(
            followups.observed_on
            - (participants.exit_date + to_months(horizons.months_after_exit))::date
        ) as days_from_horizon
    from participants
    cross join horizons
    inner join followups
        on participants.centre_id = followups.centre_id
        and participants.participant_id = followups.participant_id
        and followups.observed_on
        between (participants.exit_date + to_months(horizons.months_after_exit - 2))::date
        and (participants.exit_date + to_months(horizons.months_after_exit + 2))::date

),

-- The nearest one; between two equally near, the later (the more recent news).
nearest as (

    select
        centre_id,
        participant_id,
        months_after_exit,
        arg_max(situation, (-days_from_horizon, observed_on)) as situation
    from candidates
    group by all

),

transitions as (

    select
        participants.centre_id,
        {{ population_columns('participants') }},
        coalesce(destinations.code_group, 'unknown') as destination_group,
        case
            when at_6.participant_id is null then 'not_observed'
            else coalesce(situations_6.code_group, 'unknown')
        end as state_at_6_months,
        case
            when at_12.participant_id is null then 'not_observed'
            else coalesce(situations_12.code_group, 'unknown')
        end as state_at_12_months
    from participants
    left join situations as destinations on participants.destination = destinations.code
    left join nearest as at_6
        on participants.centre_id = at_6.centre_id
        and participants.participant_id = at_6.participant_id
        and at_6.months_after_exit = 6
    left join situations as situations_6 on at_6.situation = situations_6.code
    left join nearest as at_12
        on participants.centre_id = at_12.centre_id
        and participants.participant_id = at_12.participant_id
        and at_12.months_after_exit = 12
    left join situations as situations_12 on at_12.situation = situations_12.code

),

final as (

    select *, count(*)::integer as trainees
    from transitions
    group by all

)

select * from final
{{ only_changed_centres() }}
