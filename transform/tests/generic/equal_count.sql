-- Reconciliation: a count kept in an aggregate column adds up to the rows it counts.
{% test equal_count(model, column_name, compare_model, compare_where='true') %}

select *
from (select coalesce(sum({{ column_name }}), 0) as model_total from {{ model }})
cross join (
    select count(*) as compare_total from {{ compare_model }} where {{ compare_where }}
)
where model_total <> compare_total

{% endtest %}
