-- Key: (participant_id, month) within the centre.
-- Withdrawn batches drop out and per key the latest upload wins (macros/latest_wins.sql).
with

latest as (

    {{ latest_wins(ref('stg_landing__hours'), ['participant_id', 'month_on']) }}

),

final as (

    select

        ---------- ids
        centre_id,
        participant_id,
        batch_id,

        ---------- numbers
        hours,

        ---------- dates
        month_on

    from latest

)

select * from final
