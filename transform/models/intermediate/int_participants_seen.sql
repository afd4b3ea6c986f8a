-- Every (centre, participant) seen in any file, declared in the participants file or not:
-- the grain of dim_participants (INTERFACES §3).
with

participants as (select centre_id, participant_id from {{ ref('stg_participants') }}),
barriers as (select centre_id, participant_id from {{ ref('stg_barriers') }}),
partnerships as (select centre_id, participant_id from {{ ref('stg_partnerships') }}),
milestones as (select centre_id, participant_id from {{ ref('stg_milestones') }}),
exits as (select centre_id, participant_id from {{ ref('stg_exits') }}),
followups as (select centre_id, participant_id from {{ ref('stg_followups') }}),
hours as (select centre_id, participant_id from {{ ref('stg_hours') }}),

unioned as (

    select * from participants
    union select * from barriers
    union select * from partnerships
    union select * from milestones
    union select * from exits
    union select * from followups
    union select * from hours

)

select * from unioned
