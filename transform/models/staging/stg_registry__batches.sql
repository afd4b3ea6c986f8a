with

source as (

    select * from {{ source('registry', 'batches') }}

),

renamed as (

    select

        ---------- ids
        batch_id,
        centre_id,
        replay_of as replay_of_batch_id,

        ---------- order of receipt (latest wins)
        seq,
        precedence,

        ---------- descriptors
        kind,
        file_name,
        sha256,
        received_by,
        withdrawn_by,

        ---------- numbers
        rows_read,
        rows_stored,
        rows_quarantined,

        ---------- timestamps
        received_at::timestamptz as received_at,
        withdrawn_at::timestamptz as withdrawn_at,

        ---------- booleans
        withdrawn_at is not null as is_withdrawn,
        coalesce(is_complete, false) as is_complete

    from source

)

select * from renamed
