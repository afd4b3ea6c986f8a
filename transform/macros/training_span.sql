-- Why: "in training during a period" (a month, a year) has one definition, shared by
-- fct_training_years (years, read by the pages) and agg_centre_month (months): entered by the
-- period's end and not out of training before its start. Training ends with the latest exit or,
-- for a presumed exit (INTERFACES §3, v1.2), with the latest activity (`relation`'s exit_date,
-- presumed_exit and latest_activity_on, as in dim_participants). So a trainee is in training from
-- the period of the entry (first_<grain>_in_training) up to the period before
-- first_<grain>_out_of_training, the one after the period where training ended; that is never
-- before the entry's period (an exit dated a period before the entry, a data error, leaves no
-- period in training). Null when training has not ended: still in training, up to the data's end
-- (int_data_end), which each model applies.
{% macro training_span(relation, grain) -%}
    {%- set ended_on -%}
        coalesce(
            {{ relation }}.exit_date,
            case when {{ relation }}.presumed_exit then {{ relation }}.latest_activity_on end
        )
    {%- endset -%}
    date_trunc('{{ grain }}', {{ relation }}.entry_date)::date as first_{{ grain }}_in_training,
    case
        when {{ ended_on }} is not null then greatest(
            date_trunc('{{ grain }}', {{ ended_on }}) + interval 1 {{ grain }},
            date_trunc('{{ grain }}', {{ relation }}.entry_date)
        )::date
    end as first_{{ grain }}_out_of_training
{%- endmacro %}
