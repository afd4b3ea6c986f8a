-- Reconciliation of a stock: summed over every month, participants_in_training counts each
-- trainee with an entry date once per month from the entry month to the month of the latest
-- exit, or of the latest activity for a presumed exit (to the data's last month when there is
-- neither; none when the exit is before the entry month), as dim_participants and int_data_end
-- give them.
with

aggregate_months as (

    select coalesce(sum(participants_in_training), 0) as person_months
    from {{ ref('agg_centre_month') }}

),

last_months as (

    select
        {{ month_start('participants.entry_date') }} as first_month,
        least(
            coalesce(
                {{ month_start('participants.exit_date') }},
                case
                    when participants.presumed_exit
                        then {{ month_start('participants.latest_activity_on') }}
                end,
                data_end.last_month
            ),
            data_end.last_month
        ) as last_month
    from {{ ref('dim_participants') }} as participants
    cross join {{ ref('int_data_end') }} as data_end
    where participants.entry_date is not null

),

fact_months as (

    select
        coalesce(sum(greatest(date_diff('month', first_month, last_month) + 1, 0)), 0)
            as person_months
    from last_months

)

select
    aggregate_months.person_months as aggregate_person_months,
    fact_months.person_months as fact_person_months
from aggregate_months
cross join fact_months
where aggregate_months.person_months <> fact_months.person_months
