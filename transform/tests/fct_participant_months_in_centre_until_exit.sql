-- Logic guard: a month is in_centre exactly when it comes before the month of the latest exit
-- (every month when there is no exit); from the exit month on it is a situation group.
select months.*
from {{ ref('fct_participant_months') }} as months
inner join {{ ref('dim_participants') }} as participants using (centre_id, participant_id)
where (months.state = 'in_centre') <> coalesce(
    months.month < date_trunc('month', participants.exit_date), true
)
