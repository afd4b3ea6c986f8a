-- Why: pivots (one column per purpose, per result…) take their columns from the codes seed,
-- never from a copied list, so a new code in codes.csv becomes a new column by itself.
{% macro code_list(list_name) %}
    {% if execute %}
        {% set query %}
            select code from {{ ref('codes') }} where list = '{{ list_name }}' order by code
        {% endset %}
        {% set result = run_query(query) %}
        {{ return(result.columns[0].values() | list) }}
    {% else %}
        {{ return([]) }}
    {% endif %}
{% endmacro %}
