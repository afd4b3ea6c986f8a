-- Why: "in training during a period" (a month, a year) has one definition, shared by
-- fct_training_years (years, read by the pages) and agg_centre_month (months): entered by the
-- period's end and not exited before its start. So a trainee is in training from the period of
-- the entry (first_<grain>_in_training) up to the period before first_<grain>_out_of_training,
-- the one after the period of the latest exit; that is never before the entry's period (an exit
-- dated a period before the entry, a data error, leaves no period in training). Null without an
-- exit: still in training, up to the data's end (int_data_end), which each model applies.
{% macro training_span(entry_date, exit_date, grain) -%}
    date_trunc('{{ grain }}', {{ entry_date }})::date as first_{{ grain }}_in_training,
    case
        when {{ exit_date }} is not null then greatest(
            date_trunc('{{ grain }}', {{ exit_date }}) + interval 1 {{ grain }},
            date_trunc('{{ grain }}', {{ entry_date }})
        )::date
    end as first_{{ grain }}_out_of_training
{%- endmacro %}
