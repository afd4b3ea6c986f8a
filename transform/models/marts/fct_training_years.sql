with

participants as (select * from {{ ref('dim_participants') }} {{ only_changed_centres() }}),
data_end as (select last_event_on from {{ ref('int_data_end') }}),

-- In training during a year = entered by its end and not exited before its start: the one
-- definition (macro training_span, shared with agg_centre_month's months).
spans as (

    select
        participants.centre_id,
        participants.participant_id,
        {{ training_span('participants', 'year') }}
    from participants
    where participants.entry_date is not null

),

-- Without an exit or a presumed exit, in training up to the year of the data's end (nothing is
-- known beyond it).
training_years as (

    select
        spans.centre_id,
        spans.participant_id,
        unnest(range(
            spans.first_year_in_training,
            coalesce(
                spans.first_year_out_of_training,
                date_trunc('year', data_end.last_event_on) + interval 1 year
            ),
            interval 1 year
        )) as year_on
    from spans
    cross join data_end

),

final as (

    select
        centre_id,
        participant_id,
        year(year_on)::smallint as year
    from training_years

)

select * from final
{{ only_changed_centres() }}
