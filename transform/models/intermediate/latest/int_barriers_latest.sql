-- Key: (participant_id, assessed_on, barrier) within the centre, so one level per date.
-- Withdrawn batches drop out and per key the latest upload wins (macros/latest_wins.sql).
with

latest as (

    {{ latest_wins(ref('stg_landing__barriers'), ['participant_id', 'assessed_on', 'barrier']) }}

),

final as (

    select

        ---------- ids
        centre_id,
        participant_id,
        batch_id,

        ---------- codes
        barrier,

        ---------- numbers
        level,

        ---------- dates
        assessed_on

    from latest

)

select * from final
