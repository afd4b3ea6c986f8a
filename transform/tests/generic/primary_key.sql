-- A primary key: no column of the key is null, and each combination appears once (unique +
-- not_null over several columns, without dbt_utils). `nullable`: key columns that may be null
-- (an optional column of the contract's key, e.g. partner_name), checked for uniqueness only.
-- Rows returned: the offending keys.
-- Two passes, as strict as one `group by` of the key: a duplicate always has the same hash, so
-- grouping one 64-bit hash finds every candidate; the candidates (and rows with a null) are
-- then grouped by the key itself, so a hash collision is never reported. About a third cheaper
-- than grouping the whole table by several text columns (5M rows for agg_entry_cohorts).
{% test primary_key(model, columns, nullable=[]) %}

{%- set key = columns + nullable %}
with

keyed as (

    select
        {{ key | join(', ') }},
        hash({{ key | join(', ') }}) as key_hash
    from {{ model }}

),

repeated_hashes as (

    select key_hash
    from keyed
    group by key_hash
    having count(*) > 1

)

select
    {{ key | join(', ') }},
    count(*) as copies
from keyed
where
    key_hash in (select repeated_hashes.key_hash from repeated_hashes)
    {%- for column in columns %}
    or {{ column }} is null
    {%- endfor %}
group by {{ key | join(', ') }}
having
    count(*) > 1
    {%- for column in columns %}
    or {{ column }} is null
    {%- endfor %}

{% endtest %}
