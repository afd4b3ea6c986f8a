-- Key: participant_id within the centre (EXPORT_FORMAT §1).
-- Withdrawn batches drop out and per key the latest upload wins (macros/latest_wins.sql).
with

latest as (

    {{ latest_wins(ref('stg_landing__participants'), ['participant_id']) }}

),

final as (

    select

        ---------- ids
        centre_id,
        participant_id,
        person_key,
        batch_id,

        ---------- codes
        gender,
        education,
        filiere,
        referral,
        status_at_entry,

        ---------- descriptors
        training_area,
        postal_code,
        birth_year,

        ---------- dates
        entry_on

    from latest

)

select * from final
