-- Why: every monthly grain (hours, agg_centre_month) must agree on what "the month" of a date is.
{% macro month_start(date_expression) -%}
    date_trunc('month', {{ date_expression }})::date
{%- endmacro %}
