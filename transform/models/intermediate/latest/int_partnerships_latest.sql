-- Key: (participant_id, partner_type, started_on, partner_name) within the centre.
-- Withdrawn batches drop out and per key the latest upload wins (macros/latest_wins.sql).
with

latest as (

    {{ latest_wins(
        ref('stg_landing__partnerships'),
        ['participant_id', 'partner_type', 'started_on', 'partner_name']
    ) }}

),

final as (

    select

        ---------- ids
        centre_id,
        participant_id,
        batch_id,

        ---------- codes
        partner_type,
        purpose,
        result,

        ---------- descriptors
        partner_name,

        ---------- dates
        started_on,
        ended_on

    from latest

)

select * from final
