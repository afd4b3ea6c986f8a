-- Key: (participant_id, milestone, achieved_on) within the centre.
with

source as (

    {{ latest_wins(source('landing', 'milestones'), ['participant_id', 'milestone', 'achieved_on']) }}

),

renamed as (

    select

        ---------- ids
        centre_id,
        participant_id,
        batch_id,

        ---------- codes
        milestone,

        ---------- descriptors
        detail,

        ---------- dates
        achieved_on::date as achieved_on

    from source

)

select * from renamed
