-- Typical paths, counted per cohort and population (int_participant_path_type): the size of
-- each type, its outcomes (destination group at exit, state 12 months after entry) and its
-- barrier profile (trainees with at least one barrier episode of each group).
with

path_types as (select * from {{ ref('int_participant_path_type') }}),
participants as (select * from {{ ref('dim_participants') }}),
participant_months as (select * from {{ ref('fct_participant_months') }}),
barrier_episodes as (select * from {{ ref('fct_barrier_episodes') }}),
situations as (select * from {{ ref('stg_codes') }} where code_list = 'situation'),
barriers as (select * from {{ ref('stg_codes') }} where code_list = 'barrier'),

-- The state 12 months after the entry month (not_observed when that month is not observed yet).
at_12_months as (

    select centre_id, participant_id, state
    from participant_months
    where months_since_entry = 12

),

barrier_groups as (

    select
        barrier_episodes.centre_id,
        barrier_episodes.participant_id,
        bool_or(barriers.code_group = 'psychosocial') as has_psychosocial,
        bool_or(barriers.code_group = 'material') as has_material,
        bool_or(barriers.code_group = 'skills') as has_skills
    from barrier_episodes
    inner join barriers on barrier_episodes.barrier = barriers.code
    group by all

),

trainees as (

    select
        path_types.centre_id,
        {{ population_columns('participants') }},
        path_types.path_type,
        path_types.path_type_name,
        case
            when participants.presumed_exit then 'presumed'
            when participants.exit_date is null then 'no_exit'
            else coalesce(destinations.code_group, 'unknown')
        end as exit_group,
        coalesce(at_12_months.state, 'not_observed') as state_at_12_months,
        coalesce(barrier_groups.has_psychosocial, false) as has_psychosocial,
        coalesce(barrier_groups.has_material, false) as has_material,
        coalesce(barrier_groups.has_skills, false) as has_skills,
        barrier_groups.participant_id is not null as has_barrier
    from path_types
    inner join participants using (centre_id, participant_id)
    left join situations as destinations on participants.destination = destinations.code
    left join at_12_months using (centre_id, participant_id)
    left join barrier_groups using (centre_id, participant_id)

),

final as (

    select
        centre_id,
        filiere,
        entry_year,
        age_band,
        gender,
        education,
        status_at_entry,
        path_type,
        path_type_name,
        count(*)::integer as trainees,
        ---------- destination group at the latest exit
        {% for group in [
            'employment', 'training', 'pathway', 'none', 'unknown', 'presumed', 'no_exit'
        ] -%}
        count(*) filter (where exit_group = '{{ group }}')::integer as exit_{{ group }},
        {% endfor -%}
        ---------- state 12 months after the entry month
        {% set states = [
            'in_centre', 'employment', 'training', 'pathway', 'none', 'unknown', 'not_observed'
        ] -%}
        {% for state in states -%}
        count(*) filter (where state_at_12_months = '{{ state }}')::integer as at_12_{{ state }},
        {% endfor -%}
        ---------- barrier profile
        count(*) filter (where has_barrier)::integer as with_barrier,
        count(*) filter (where has_psychosocial)::integer as barrier_psychosocial,
        count(*) filter (where has_material)::integer as barrier_material,
        count(*) filter (where has_skills)::integer as barrier_skills
    from trainees
    group by all

)

select * from final
