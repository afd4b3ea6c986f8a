-- Reconciliation: a model that must neither add nor drop rows has as many as its input.
{% test equal_rowcount(model, compare_model) %}

select *
from (select count(*) as model_rows from {{ model }})
cross join (select count(*) as compare_rows from {{ compare_model }})
where model_rows <> compare_rows

{% endtest %}
