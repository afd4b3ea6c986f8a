-- Monthly state (INTERFACES §3): one row per (participant, calendar month) from the entry month
-- to the centre's last month, at most 37 months. Before the month of the latest exit (or always,
-- without exit): in_centre. From the exit month on: the group in codes.csv of the latest
-- situation known by the end of the month, among the latest exit's destination and the
-- follow-ups observed on or after that exit's date (on the same date, the follow-up wins).
-- A presumed exit (v1.2: no exit, nothing for 7 months or more) is in_centre up to the month of
-- its latest activity and `unknown` after it.
-- Set-based and join-free at the ~5M-row end: each participant's months are cut into spells of
-- one state (a few per participant), and only the spells are expanded into months with range().
with

participants as (
    select * from {{ ref('dim_participants') }} where entry_date is not null
    {{ only_changed_centres('and') }}
),
centre_last_months as (
    select * from {{ ref('int_centre_last_months') }} {{ only_changed_centres() }}
),
followups as (select * from {{ ref('fct_followups') }} {{ only_changed_centres() }}),
situations as (select * from {{ ref('stg_codes') }} where code_list = 'situation'),

-- Month offsets are counted from the entry month: 0 is the entry month.
spans as (

    select
        participants.centre_id,
        participants.participant_id,
        {{ month_start('participants.entry_date') }} as entry_month,
        least(
            date_diff(
                'month', {{ month_start('participants.entry_date') }}, centre_last_months.last_month
            ),
            36  -- at most 37 months: months_since_entry 0 to 36 (INTERFACES §3)
        ) as last_offset,
        date_diff(
            'month',
            {{ month_start('participants.entry_date') }},
            {{ month_start('participants.exit_date') }}
        ) as exit_offset,
        case
            when participants.presumed_exit then date_diff(
                'month',
                {{ month_start('participants.entry_date') }},
                {{ month_start('participants.latest_activity_on') }}
            )
        end as presumed_offset,
        participants.exit_date,
        participants.destination
    from participants
    inner join centre_last_months using (centre_id)

),

-- What is known of the situation after the latest exit: its destination from the exit date,
-- then each follow-up from its observation date (ranked after the exit on the same day).
situation_reports as (

    select
        centre_id,
        participant_id,
        exit_date as known_on,
        0 as same_day_rank,
        destination as situation
    from spans
    where exit_date is not null

    union all

    select
        followups.centre_id,
        followups.participant_id,
        followups.observed_on as known_on,
        1 as same_day_rank,
        followups.situation
    from followups
    inner join spans
        on followups.centre_id = spans.centre_id
        and followups.participant_id = spans.participant_id
        and followups.observed_on >= spans.exit_date

),

-- The latest report of each month is the one known by that month's end.
monthly_situations as (

    select
        centre_id,
        participant_id,
        {{ month_start('known_on') }} as month,
        arg_max(situation, (known_on, same_day_rank)) as situation
    from situation_reports
    group by all

),

-- Spells of one state: in_centre up to the month before the exit month (a presumed exit: up to
-- the month of the latest activity, then unknown), then each month's latest situation until the
-- month before the next change (or the last month).
spells as (

    select
        centre_id,
        participant_id,
        0 as starts_at,
        coalesce(exit_offset - 1, presumed_offset, last_offset) as ends_at,
        'in_centre' as state
    from spans

    union all

    select
        centre_id,
        participant_id,
        presumed_offset + 1 as starts_at,
        last_offset as ends_at,
        'unknown' as state
    from spans
    where presumed_offset is not null

    union all

    select
        spans.centre_id,
        spans.participant_id,
        date_diff('month', spans.entry_month, monthly_situations.month) as starts_at,
        coalesce(
            date_diff(
                'month',
                spans.entry_month,
                lead(monthly_situations.month) over (
                    partition by spans.centre_id, spans.participant_id
                    order by monthly_situations.month
                )
            ) - 1,
            spans.last_offset
        ) as ends_at,
        coalesce(situations.code_group, 'unknown') as state
    from monthly_situations
    inner join spans using (centre_id, participant_id)
    left join situations on monthly_situations.situation = situations.code

),

-- Cut to the observable months: an exit before the entry month starts at 0, and nothing
-- goes past the last month.
observed_spells as (

    select
        spells.centre_id,
        spells.participant_id,
        spans.entry_month,
        greatest(spells.starts_at, 0) as starts_at,
        least(spells.ends_at, spans.last_offset) as ends_at,
        spells.state
    from spells
    inner join spans using (centre_id, participant_id)
    where greatest(spells.starts_at, 0) <= least(spells.ends_at, spans.last_offset)

),

months as (

    select
        centre_id,
        participant_id,
        entry_month,
        unnest(range(starts_at, ends_at + 1))::integer as months_since_entry,
        state
    from observed_spells

),

final as (

    select
        centre_id::varchar as centre_id,
        participant_id::varchar as participant_id,
        (entry_month + to_months(months_since_entry))::date as month,
        months_since_entry::integer as months_since_entry,
        state::varchar as state
    from months

)

select * from final
{{ only_changed_centres() }}
