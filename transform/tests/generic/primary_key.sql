-- A primary key: no column of the key is null, and each combination appears once (unique +
-- not_null over several columns, without dbt_utils). `nullable`: key columns that may be null
-- (an optional column of the contract's key, e.g. partner_name), checked for uniqueness only.
-- Rows returned: the offending keys.
{% test primary_key(model, columns, nullable=[]) %}

{%- set key = columns + nullable %}
select
    {{ key | join(', ') }},
    count(*) as copies
from {{ model }}
group by {{ key | join(', ') }}
having
    count(*) > 1
    {%- for column in columns %}
    or {{ column }} is null
    {%- endfor %}

{% endtest %}
