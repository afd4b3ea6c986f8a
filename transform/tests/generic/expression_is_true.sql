-- A row-level rule of a model (parts that add up to a total): the rows where it fails.
{% test expression_is_true(model, expression) %}

select * from {{ model }} where not ({{ expression }})

{% endtest %}
