-- Reconciliation of the pivoted columns: each purpose_<code> and result_<code> column of
-- agg_partner_use (one per code of the lists, macros/code_list.sql) adds up to the partnerships
-- of fct_partnerships with that code. Rows returned: the columns whose totals differ.
-- depends_on: {{ ref('codes') }}
{%- set columns = [] %}
{%- for code in code_list('purpose') %}{% do columns.append(('purpose', code)) %}{% endfor %}
{%- for code in code_list('result') %}{% do columns.append(('result', code)) %}{% endfor %}
with

aggregate_totals as (

    select
        {%- for list_name, code in columns %}
        coalesce(sum({{ list_name }}_{{ code }}), 0) as {{ list_name }}_{{ code }},
        {%- endfor %}
        count(*) as aggregate_rows
    from {{ ref('agg_partner_use') }}

),

fact_totals as (

    select
        {%- for list_name, code in columns %}
        count(*) filter (where {{ list_name }} = '{{ code }}') as {{ list_name }}_{{ code }},
        {%- endfor %}
        count(*) as fact_rows
    from {{ ref('fct_partnerships') }}

),

differences as (

    {%- for list_name, code in columns %}
    select
        '{{ list_name }}_{{ code }}' as column_name,
        aggregate_totals.{{ list_name }}_{{ code }} as aggregate_total,
        fact_totals.{{ list_name }}_{{ code }} as fact_total
    from aggregate_totals
    cross join fact_totals
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select * from differences
where aggregate_total <> fact_total
