with

source as (

    select * from {{ source('landing', 'milestones') }}

),

renamed as (

    select

        ---------- ids
        batch_id,
        centre_id,
        participant_id,

        ---------- upload order (latest wins)
        row_number,

        ---------- codes
        milestone,

        ---------- descriptors
        detail,

        ---------- dates
        achieved_on::date as achieved_on

    from source

)

select * from renamed
