-- Key: (participant_id, month) within the centre.
with

source as (

    {{ latest_wins(source('landing', 'hours'), ['participant_id', 'month']) }}

),

renamed as (

    select

        ---------- ids
        centre_id,
        participant_id,
        batch_id,

        ---------- numbers
        hours::double as hours,

        ---------- dates
        {{ month_start('month') }} as month_on

    from source

)

select * from renamed
