-- Accepted values come from the codes seed (the contract's codes.csv), never from a copied list:
-- every non-null value must be a code of `code_list`. `with_aggregate_codes`: also accept the
-- codes the aggregates add to that list (seed aggregate_codes, e.g. filiere `undeclared`).
{% test code_in_list(model, column_name, code_list, with_aggregate_codes=false) %}

select
    cast({{ column_name }} as varchar) as value,
    count(*) as rows_with_value
from {{ model }}
where {{ column_name }} is not null
    and cast({{ column_name }} as varchar) not in (
        select code from {{ ref('codes') }} where list = '{{ code_list }}'
        {%- if with_aggregate_codes %}
        union all
        select code from {{ ref('aggregate_codes') }} where list = '{{ code_list }}'
        {%- endif %}
    )
group by 1

{% endtest %}
