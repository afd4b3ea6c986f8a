-- Cross-file rules a single upload cannot check (each file is valid on its own). Surfaced to
-- the data-quality page; the singular tests in tests/ warn on the same rows.
with

participants as (select * from {{ ref('dim_participants') }} {{ only_changed_centres() }}),
exits as (select * from {{ ref('fct_exits') }} {{ only_changed_centres() }}),
paths as (select * from {{ ref('int_participant_paths') }} {{ only_changed_centres() }}),

exit_before_entry as (

    select
        exits.centre_id,
        'exit_before_entry' as rule,
        exits.participant_id,
        exits.exit_date as event_on,
        format(
            'Sortie le {}, avant l''entrée du {}',
            strftime(exits.exit_date, '%d/%m/%Y'),
            strftime(participants.entry_date, '%d/%m/%Y')
        ) as detail
    from exits
    inner join participants using (centre_id, participant_id)
    where exits.exit_date < participants.entry_date

),

-- Hours are monthly: a month counts as before the entry only if it ends before the entry.
events_before_entry as (

    select
        paths.centre_id,
        paths.participant_id,
        count(*) as events,
        min(paths.event_on) as first_event_on,
        arg_min(paths.event_type, paths.event_on) as first_event_type,
        any_value(participants.entry_date) as entry_date
    from paths
    inner join participants using (centre_id, participant_id)
    where
        paths.event_type not in ('entry', 'exit')
        and case
            when paths.event_type = 'hours_month'
                then paths.event_on < {{ month_start('participants.entry_date') }}
            else paths.event_on < participants.entry_date
        end
    group by all

),

event_before_entry as (

    select
        centre_id,
        'event_before_entry' as rule,
        participant_id,
        first_event_on as event_on,
        format(
            '{} événement(s) avant l''entrée du {} (premier : {} le {})',
            events,
            strftime(entry_date, '%d/%m/%Y'),
            first_event_type,
            strftime(first_event_on, '%d/%m/%Y')
        ) as detail
    from events_before_entry

),

undeclared as (

    select
        paths.centre_id,
        'undeclared_participant' as rule,
        paths.participant_id,
        min(paths.event_on) as event_on,
        concat(
            'Stagiaire absent du fichier des participants, vu dans : ',
            string_agg(distinct paths.event_type, ', ' order by paths.event_type)
        ) as detail
    from paths
    inner join participants using (centre_id, participant_id)
    where not participants.is_declared
    group by all

),

final as (

    select * from exit_before_entry
    union all
    select * from event_before_entry
    union all
    select * from undeclared

)

select * from final
{{ only_changed_centres() }}
