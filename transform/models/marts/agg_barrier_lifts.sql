with

episodes as (select * from {{ ref('fct_barrier_episodes') }}),
participants as (select * from {{ ref('dim_participants') }}),

-- Left join and 'undeclared' for a trainee without a filière: no episode is lost.
final as (

    select
        episodes.centre_id,
        {{ filiere_or_undeclared('participants.filiere') }} as filiere,
        episodes.barrier,
        any_value(episodes.barrier_group) as barrier_group,
        year(episodes.identified_on)::smallint as identified_year,
        count(distinct episodes.participant_id)::integer as participants_concerned,
        count(*)::integer as episodes,
        count(*) filter (where episodes.is_lifted)::integer as lifted,
        count(*) filter (where episodes.is_setback)::integer as setbacks,
        sum(episodes.days_to_lift)::bigint as sum_days_to_lift,
        {{ safe_divide('sum(episodes.days_to_lift)', 'count(episodes.days_to_lift)') }}::double
            as mean_days_to_lift
    from episodes
    left join participants
        on episodes.centre_id = participants.centre_id
        and episodes.participant_id = participants.participant_id
    group by all

)

select * from final
