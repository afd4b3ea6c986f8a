-- Accepted values come from the codes seed (the contract's codes.csv), never from a copied list:
-- every non-null value must be a code of `code_list`.
{% test code_in_list(model, column_name, code_list) %}

select
    cast({{ column_name }} as varchar) as value,
    count(*) as rows_with_value
from {{ model }}
where {{ column_name }} is not null
    and cast({{ column_name }} as varchar) not in (
        select code from {{ ref('codes') }} where list = '{{ code_list }}'
    )
group by 1

{% endtest %}
