-- Coverage, the basis of every comparison between periods (Accueil, the yearly report): a
-- centre covers a calendar year when it sent hours for at least var('covered_months_per_year')
-- of its 12 months (two may be missing: summer closure, a late export). A month counts when it
-- has at least one hours row, whatever the hours (« Mois couverts » on the Qualité page). A
-- period of several years is covered with that many months per year, summed.
with

hours as (select * from {{ ref('fct_hours') }} {{ only_changed_centres() }}),

months as (

    select distinct centre_id, month from hours

),

final as (

    select
        centre_id,
        year(month)::smallint as year,
        count(*)::integer as months_with_hours,
        {{ var('covered_months_per_year') }}::integer as months_needed,
        count(*) >= {{ var('covered_months_per_year') }} as is_covered
    from months
    group by centre_id, year(month)

)

select * from final
{{ only_changed_centres() }}
