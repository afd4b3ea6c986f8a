-- Why: pivots (one column per purpose, per result…) take their columns from the codes seed,
-- never from a copied list, so a new code in codes.csv becomes a new column by itself.
-- Compiled before the seed is loaded (sqlfluff's dbt templater, an in-memory database), the
-- list is read from the seed's own file instead: the same codes, the same SQL to lint.
{% macro code_list(list_name) %}
    {% if execute %}
        {% set codes = ref('codes') %}
        {% if load_relation(codes) is none %}
            {% set seed = graph.nodes['seed.parcours.codes'] %}
            {% set codes = "read_csv('" ~ seed.root_path ~ "/" ~ seed.original_file_path
                ~ "', all_varchar = true)" %}
        {% endif %}
        {% set query %}
            select code from {{ codes }} where list = '{{ list_name }}' order by code
        {% endset %}
        {% set result = run_query(query) %}
        {{ return(result.columns[0].values() | list) }}
    {% else %}
        {{ return([]) }}
    {% endif %}
{% endmacro %}
