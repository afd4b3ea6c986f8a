-- Why: « qualifying step » has one definition, read by agg_event_order (« Les freins d'abord »:
-- when the first one came) and agg_steps_after_lifts (was a barrier lifted before it): a
-- milestone of the `qualification` group of codes.csv (titre de validation des compétences, CEB,
-- CE1D, CESS, entrée en formation qualifiante) or a latest exit whose destination is in the
-- `training` group (formation qualifiante, promotion sociale). With `with_jobs`, a job too: the
-- milestone job_contract or a latest exit to an `employment` destination.
-- Rows: centre_id, participant_id, step_on (one per step; a trainee may have several).
-- `milestones`: relation with fct_milestones' columns; `participants`: with dim_participants'
-- exit_date and destination; `situations`: stg_codes rows of the list `situation`.
{% macro qualifying_steps(milestones, participants, situations, with_jobs=false) -%}
    select
        {{ milestones }}.centre_id,
        {{ milestones }}.participant_id,
        {{ milestones }}.achieved_on as step_on
    from {{ milestones }}
    where
        {{ milestones }}.milestone_group = 'qualification'
        {%- if with_jobs %} or {{ milestones }}.milestone = 'job_contract'{% endif %}
    union all
    select
        {{ participants }}.centre_id,
        {{ participants }}.participant_id,
        {{ participants }}.exit_date as step_on
    from {{ participants }}
    inner join {{ situations }} on {{ participants }}.destination = {{ situations }}.code
    where
        {{ situations }}.code_group
        in ('training'{% if with_jobs %}, 'employment'{% endif %})
{%- endmacro %}
