-- Reconciliation: a count kept in an aggregate column adds up to the rows it counts.
-- `model_where` picks the aggregate's rows to add (e.g. one offset of a cumulative curve),
-- `compare_measure` how to count the compared rows (default count(*); a count(distinct …) for
-- distinct participants per group).
{% test equal_count(
    model,
    column_name,
    compare_model,
    compare_where='true',
    model_where='true',
    compare_measure='count(*)'
) %}

select *
from (
    select coalesce(sum({{ column_name }}), 0) as model_total
    from {{ model }}
    where {{ model_where }}
)
cross join (
    select {{ compare_measure }} as compare_total
    from {{ compare_model }}
    where {{ compare_where }}
)
where model_total <> compare_total

{% endtest %}
