-- A column of groups (a state, a destination group) takes the `group` values of `code_list` in
-- the codes seed, plus the few extra values the model adds itself (in_centre, not_observed…):
-- the groups are read from codes.csv, never copied.
{% test group_in_list(model, column_name, code_list, extra_values=[]) %}

select
    {{ column_name }} as value,
    count(*) as rows_with_value
from {{ model }}
where {{ column_name }} is null
    or (
        {{ column_name }} not in (
            select "group" from {{ ref('codes') }}
            where list = '{{ code_list }}' and "group" is not null
        )
        {% for value in extra_values %}and {{ column_name }} <> '{{ value }}' {% endfor %}
    )
group by 1

{% endtest %}
