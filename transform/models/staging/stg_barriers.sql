-- Key: (participant_id, assessed_on, barrier) within the centre, so one level per date.
with

source as (

    {{ latest_wins(source('landing', 'barriers'), ['participant_id', 'assessed_on', 'barrier']) }}

),

renamed as (

    select

        ---------- ids
        centre_id,
        participant_id,
        batch_id,

        ---------- codes
        barrier,

        ---------- numbers
        level::tinyint as level,

        ---------- dates
        assessed_on::date as assessed_on

    from source

)

select * from renamed
