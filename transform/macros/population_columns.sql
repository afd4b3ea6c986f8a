-- Why: the Trajectoires aggregates (agg_cohort_state_spells, agg_transitions) must cut the
-- population the same way, null-safe so that no trainee drops out of a filter: one definition.
-- Age at entry is entry_year - birth_year (ages only known to the year); bands < 25, 25–34,
-- 35–44, 45 +, unknown.
{% macro population_columns(participants) -%}
    coalesce({{ participants }}.filiere, 'undeclared') as filiere,
    {{ participants }}.entry_year,
    case
        when {{ participants }}.entry_year is null or {{ participants }}.birth_year is null
            then 'unknown'
        when {{ participants }}.entry_year - {{ participants }}.birth_year < 25 then 'under_25'
        when {{ participants }}.entry_year - {{ participants }}.birth_year < 35 then '25_to_34'
        when {{ participants }}.entry_year - {{ participants }}.birth_year < 45 then '35_to_44'
        else '45_plus'
    end as age_band,
    coalesce({{ participants }}.gender, 'unknown') as gender,
    coalesce({{ participants }}.education, 'unknown') as education,
    coalesce({{ participants }}.status_at_entry, 'unknown') as status_at_entry
{%- endmacro %}
