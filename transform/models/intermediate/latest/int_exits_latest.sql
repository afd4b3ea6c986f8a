-- Key: (participant_id, exit_date) within the centre.
-- Withdrawn batches drop out and per key the latest upload wins (macros/latest_wins.sql).
with

latest as (

    {{ latest_wins(ref('stg_landing__exits'), ['participant_id', 'exit_on']) }}

),

final as (

    select

        ---------- ids
        centre_id,
        participant_id,
        batch_id,

        ---------- codes
        destination,
        reason,

        ---------- dates
        exit_on

    from latest

)

select * from final
