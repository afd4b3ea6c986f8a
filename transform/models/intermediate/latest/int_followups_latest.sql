-- Key: (participant_id, observed_on) within the centre.
-- Withdrawn batches drop out and per key the latest upload wins (macros/latest_wins.sql).
with

latest as (

    {{ latest_wins(ref('stg_landing__followups'), ['participant_id', 'observed_on']) }}

),

final as (

    select

        ---------- ids
        centre_id,
        participant_id,
        batch_id,

        ---------- codes
        situation,

        ---------- dates
        observed_on

    from latest

)

select * from final
