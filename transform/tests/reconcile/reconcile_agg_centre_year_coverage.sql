-- Reconciliation of agg_centre_year_coverage with fct_hours, counted here month by month: per
-- centre and year, the distinct months with an hours row (months_with_hours), the threshold
-- (months_needed, the variable covered_months_per_year) and whether it is reached
-- (is_covered). Rows returned: the differences, either way.
with

expected as (

    select
        centre_id,
        year(month)::smallint as year,
        count(distinct month)::integer as months_with_hours,
        {{ var('covered_months_per_year') }}::integer as months_needed,
        count(distinct month) >= {{ var('covered_months_per_year') }} as is_covered
    from {{ ref('fct_hours') }}
    group by all

),

actual as (

    select centre_id, year, months_with_hours, months_needed, is_covered
    from {{ ref('agg_centre_year_coverage') }}

)

{{ symmetric_difference('expected', 'actual') }}
