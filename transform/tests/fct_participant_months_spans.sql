-- Reconciliation and grain: every participant with an entry date has exactly the months 0 to
-- least(36, months from the entry month to the centre's last month), each once, none missing,
-- none extra, and nobody else has rows (INTERFACES §3 « Monthly state »). This also proves the
-- key (centre_id, participant_id, month) unique and every participant known, without a
-- separate unique test: one hash aggregate over the ~5M rows does both.
with

expected as (

    select
        participants.centre_id,
        participants.participant_id,
        least(
            date_diff(
                'month', date_trunc('month', participants.entry_date), last_months.last_month
            ),
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
        -- one bit per month present: all of 0..n set and n + 1 rows means each month once
        bit_or(1::bigint << months_since_entry) as months_present
    from {{ ref('fct_participant_months') }}
    group by centre_id, participant_id

)

select
    centre_id,
    participant_id,
    expected.last_offset,
    found.months,
    found.months_present
from expected
full outer join found using (centre_id, participant_id)
where
    found.months is null
    or expected.last_offset is null
    or found.months <> expected.last_offset + 1
    or found.months_present <> (1::bigint << (expected.last_offset + 1)) - 1
