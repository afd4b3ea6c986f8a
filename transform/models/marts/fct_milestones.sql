with

milestones as (select * from {{ ref('int_milestones_latest') }} {{ only_changed_centres() }}),
participants as (select * from {{ ref('int_participants_latest') }} {{ only_changed_centres() }}),
milestone_codes as (select * from {{ ref('stg_codes') }} where code_list = 'milestone'),

final as (

    select
        milestones.centre_id,
        milestones.participant_id,
        milestones.milestone,
        milestones.achieved_on,
        (milestones.achieved_on - participants.entry_on)::integer as days_since_entry,
        milestone_codes.code_group as milestone_group,
        milestones.detail,
        milestones.batch_id
    from milestones
    left join participants using (centre_id, participant_id)
    left join milestone_codes on milestones.milestone = milestone_codes.code

)

select * from final
{{ only_changed_centres() }}
