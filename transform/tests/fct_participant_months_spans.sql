-- Reconciliation: every participant with an entry date has exactly the months 0 to
-- least(36, months from the entry month to the centre's last month), none missing, none extra,
-- and nobody else has rows (INTERFACES §3 « Monthly state »).
with

expected as (

    select
        participants.centre_id,
        participants.participant_id,
        least(
            date_diff('month', date_trunc('month', participants.entry_date), last_months.last_month),
            36
        ) as last_offset
    from {{ ref('dim_participants') }} as participants
    inner join {{ ref('int_centre_last_months') }} as last_months using (centre_id)
    where participants.entry_date is not null

),

found as (

    select
        centre_id,
        participant_id,
        count(*) as months,
        min(months_since_entry) as first_offset,
        max(months_since_entry) as last_offset
    from {{ ref('fct_participant_months') }}
    group by centre_id, participant_id

)

select *
from expected
full outer join found using (centre_id, participant_id)
where found.months is null
    or expected.last_offset is null
    or found.first_offset <> 0
    or found.last_offset <> expected.last_offset
    or found.months <> expected.last_offset + 1
