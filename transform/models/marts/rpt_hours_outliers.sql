-- Atypical monthly hours for the data-quality page, computed once per build: the centre's
-- median and MAD are over all of the centre's months, so reading the rows of some centres gives
-- exactly what computing on those centres alone would (at full scale the page no longer takes
-- a median over 1.4 million rows at each cold load). Definition: rpt_hours_outliers.yml.
with

hours as (
    select centre_id, participant_id, month, hours::double as hours
    from {{ ref('fct_hours') }} {{ only_changed_centres() }}
),

centre_median as (
    select centre_id, median(hours) as centre_median
    from hours
    group by centre_id
),

centre_mad as (
    select
        hours.centre_id,
        any_value(centre_median.centre_median) as centre_median,
        median(abs(hours.hours - centre_median.centre_median)) as mad
    from hours
    inner join centre_median using (centre_id)
    group by hours.centre_id
),

scored as (
    select
        hours.*,
        centre_mad.centre_median,
        -- Modified z-score (Iglewicz and Hoaglin); undefined when the MAD is 0.
        case
            when centre_mad.mad > 0
                then 0.6745 * (hours.hours - centre_mad.centre_median) / centre_mad.mad
        end as robust_z
    from hours
    inner join centre_mad using (centre_id)
)

select
    centre_id,
    participant_id,
    month,
    hours,
    centre_median,
    robust_z,
    case
        when hours > {{ var('hours_ceiling') }} then 'plus de 200 h dans le mois'
        else 'très au-dessus des habitudes du centre'
    end as reason
from scored
where hours > {{ var('hours_ceiling') }} or robust_z > {{ var('hours_robust_z_limit') }}
{{ only_changed_centres('and') }}
