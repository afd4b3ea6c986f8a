-- Who walks the paths: the population columns of each participant, as every page filters and
-- breaks down by them (population_columns: one definition with the Trajectoires aggregates,
-- null-safe so that no trainee drops out of a filter). A separate model keyed like
-- dim_participants, so that the contract table keeps its §3 columns.
with

participants as (select * from {{ ref('dim_participants') }} {{ only_changed_centres() }}),

final as (

    select
        participants.centre_id,
        participants.participant_id,
        {{ population_columns('participants') }}
    from participants

)

select * from final
{{ only_changed_centres() }}
