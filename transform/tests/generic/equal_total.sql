-- Reconciliation: an aggregate keeps the total of what it aggregates. Sums of doubles depend on
-- the order of addition, so the tolerance is relative (1e-9) plus half a cent.
{% test equal_total(model, column_name, compare_model, compare_column) %}

select *
from (select coalesce(sum({{ column_name }}), 0) as model_total from {{ model }})
cross join (
    select coalesce(sum({{ compare_column }}), 0) as compare_total from {{ compare_model }}
)
where abs(model_total - compare_total) > 0.005 + 1e-9 * abs(compare_total)

{% endtest %}
