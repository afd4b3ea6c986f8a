-- Logic guard: a month is in_centre exactly when it comes before the month of the latest exit
-- (every month when there is no exit); from the exit month on it is a situation group. A
-- presumed exit (v1.2) is in_centre up to the month of its latest activity, unknown after it.
select months.*
from {{ ref('fct_participant_months') }} as months
inner join {{ ref('dim_participants') }} as participants using (centre_id, participant_id)
where
    (months.state = 'in_centre') <> case
        when participants.presumed_exit
            then months.month <= date_trunc('month', participants.latest_activity_on)
        else coalesce(months.month < date_trunc('month', participants.exit_date), true)
    end
    or (
        participants.presumed_exit
        and months.month > date_trunc('month', participants.latest_activity_on)
        and months.state <> 'unknown'
    )
