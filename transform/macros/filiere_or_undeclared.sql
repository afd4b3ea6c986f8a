-- Why: a trainee without a filière (none in the participants file, or never declared there at
-- all) must still count in every aggregate, and a null in a join key matches nothing. The
-- aggregates group them under this code, labelled in seeds/aggregate_codes.csv.
{% macro undeclared_filiere() -%}
    'undeclared'
{%- endmacro %}

{% macro filiere_or_undeclared(column) -%}
    coalesce({{ column }}, {{ undeclared_filiere() }})
{%- endmacro %}
