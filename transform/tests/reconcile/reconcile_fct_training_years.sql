-- fct_training_years says in the words of its definition: a trainee with an entry date is in
-- training during a year when entered on or before its 31 December and with no exit, or a
-- latest exit on or after its 1 January, or (a presumed exit, INTERFACES §3 v1.2) a latest
-- activity on or after its 1 January — over the years from the first entry to the data's end.
-- Any (centre, participant, year) on one side only is returned.
with

participants as (
    select centre_id, participant_id, entry_date, exit_date, presumed_exit, latest_activity_on
    from {{ ref('dim_participants') }}
    where entry_date is not null
),

calendar as (
    select unnest(range(
        (select min(year(entry_date)) from participants),
        (select year(last_event_on) + 1 from {{ ref('int_data_end') }})
    ))::smallint as year
),

by_the_words as (
    select participants.centre_id, participants.participant_id, calendar.year
    from participants
    inner join calendar
        on participants.entry_date <= make_date(calendar.year, 12, 31)
        and case
            when participants.exit_date is not null
                then participants.exit_date >= make_date(calendar.year, 1, 1)
            when participants.presumed_exit
                then participants.latest_activity_on >= make_date(calendar.year, 1, 1)
            else true
        end
),

mart as (
    select centre_id, participant_id, year from {{ ref('fct_training_years') }}
),

missing as (
    select * from by_the_words
    except
    select * from mart
),

extra as (
    select * from mart
    except
    select * from by_the_words
)

select centre_id, participant_id, year, 'missing from fct_training_years' as problem
from missing
union all
select centre_id, participant_id, year, 'not in training by the definition' as problem
from extra
