-- Why: means over empty groups must be null, not a division error or a misleading 0.
{% macro safe_divide(numerator, denominator) -%}
    ({{ numerator }}) / nullif({{ denominator }}, 0)
{%- endmacro %}
