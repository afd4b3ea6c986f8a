-- Reconciliation of agg_path_types with the contract tables, per typical path, counted here
-- trainee by trainee (no per-population grouping): its trainees, their latest exit's destination
-- group (dim_participants; exit_presumed for a presumed exit, exit_no_exit without exit), their
-- state in month 12 (fct_participant_months; at_12_not_observed without that month), and the
-- barrier groups of their episodes (fct_barrier_episodes: with_barrier, barrier_psychosocial,
-- barrier_material, barrier_skills); and per population (centre_id, filiere, entry_year,
-- age_band, gender, education, status_at_entry) the trainees. Rows returned: the differences.
with

typed as (

    select
        path_types.path_type,
        path_types.path_type_name,
        participants.*,
        coalesce(months.state, 'not_observed') as state_12,
        situations.code_group as destination_group
    from {{ ref('int_participant_path_type') }} as path_types
    inner join {{ ref('dim_participants') }} as participants
        on
        path_types.centre_id = participants.centre_id
        and path_types.participant_id = participants.participant_id
    left join {{ ref('fct_participant_months') }} as months
        on
        path_types.centre_id = months.centre_id
        and path_types.participant_id = months.participant_id
        and months.months_since_entry = 12
    left join {{ ref('stg_codes') }} as situations
        on
        situations.code_list = 'situation'
        and participants.destination = situations.code

),

episode_groups as (

    select distinct
        episodes.centre_id,
        episodes.participant_id,
        barriers.code_group
    from {{ ref('fct_barrier_episodes') }} as episodes
    inner join {{ ref('stg_codes') }} as barriers
        on barriers.code_list = 'barrier' and episodes.barrier = barriers.code

),

expected as (

    select
        typed.path_type,
        typed.path_type_name,
        count(*) as trainees,
        {%- for destination in ['employment', 'training', 'pathway', 'none', 'unknown'] %}
        count(*) filter (
            where typed.exit_date is not null
            and coalesce(typed.destination_group, 'unknown') = '{{ destination }}'
        ) as exit_{{ destination }},
        {%- endfor %}
        count(*) filter (where typed.presumed_exit) as exit_presumed,
        count(*) filter (where typed.exit_date is null and not typed.presumed_exit) as exit_no_exit,
        {%- for state in ['in_centre', 'employment', 'training', 'pathway', 'none', 'unknown',
            'not_observed'] %}
        count(*) filter (where typed.state_12 = '{{ state }}') as at_12_{{ state }},
        {%- endfor %}
        {%- for group in ['psychosocial', 'material', 'skills'] %}
        count(*) filter (
            where exists (
                select 1 from episode_groups as e
                where
                    e.centre_id = typed.centre_id
                    and e.participant_id = typed.participant_id
                    and e.code_group = '{{ group }}'
            )
        ) as barrier_{{ group }},
        {%- endfor %}
        count(*) filter (
            where exists (
                select 1 from episode_groups as e
                where e.centre_id = typed.centre_id and e.participant_id = typed.participant_id
            )
        ) as with_barrier
    from typed
    group by typed.path_type, typed.path_type_name

),

actual as (

    select
        path_type,
        path_type_name,
        sum(trainees) as trainees,
        sum(exit_employment) as exit_employment,
        sum(exit_training) as exit_training,
        sum(exit_pathway) as exit_pathway,
        sum(exit_none) as exit_none,
        sum(exit_unknown) as exit_unknown,
        sum(exit_presumed) as exit_presumed,
        sum(exit_no_exit) as exit_no_exit,
        sum(at_12_in_centre) as at_12_in_centre,
        sum(at_12_employment) as at_12_employment,
        sum(at_12_training) as at_12_training,
        sum(at_12_pathway) as at_12_pathway,
        sum(at_12_none) as at_12_none,
        sum(at_12_unknown) as at_12_unknown,
        sum(at_12_not_observed) as at_12_not_observed,
        sum(barrier_psychosocial) as barrier_psychosocial,
        sum(barrier_material) as barrier_material,
        sum(barrier_skills) as barrier_skills,
        sum(with_barrier) as with_barrier
    from {{ ref('agg_path_types') }}
    group by path_type, path_type_name

),

population_expected as (

    select
        typed.centre_id,
        {{ population_columns('typed') }},
        count(*) as trainees
    from typed
    group by all

),

population_actual as (

    select
        centre_id,
        filiere,
        entry_year,
        age_band,
        gender,
        education,
        status_at_entry,
        sum(trainees) as trainees
    from {{ ref('agg_path_types') }}
    group by all

),

type_differences as (

    {{ symmetric_difference('expected', 'actual') }}

),

population_differences as (

    {{ symmetric_difference('population_expected', 'population_actual') }}

)

select
    'type' as what,
    path_type::varchar as detail
from type_differences
union all
select
    'population' as what,
    centre_id || ' ' || filiere || ' ' || entry_year as detail
from population_differences
