-- Every (centre, participant) seen in any file, declared in the participants file or not:
-- the grain of dim_participants (INTERFACES §3).
with

participants as (select centre_id, participant_id from {{ ref('int_participants_latest') }}),
barriers as (select centre_id, participant_id from {{ ref('int_barriers_latest') }}),
partnerships as (select centre_id, participant_id from {{ ref('int_partnerships_latest') }}),
milestones as (select centre_id, participant_id from {{ ref('int_milestones_latest') }}),
exits as (select centre_id, participant_id from {{ ref('int_exits_latest') }}),
followups as (select centre_id, participant_id from {{ ref('int_followups_latest') }}),
hours as (select centre_id, participant_id from {{ ref('int_hours_latest') }}),

unioned as (

    select * from participants
    union
    select * from barriers
    union
    select * from partnerships
    union
    select * from milestones
    union
    select * from exits
    union
    select * from followups
    union
    select * from hours

)

select * from unioned
{{ only_changed_centres() }}
