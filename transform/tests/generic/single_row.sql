-- The grain of a one-row model (e.g. int_data_end): exactly one row, never none or several.
{% test single_row(model) %}

select count(*) as row_count
from {{ model }}
having count(*) <> 1

{% endtest %}
