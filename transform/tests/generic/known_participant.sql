-- Every fact belongs to a participant of dim_participants: participant ids are only unique
-- within a centre, so the pair is checked, not the id alone.
{% test known_participant(model) %}

select facts.centre_id, facts.participant_id
from {{ model }} as facts
left join {{ ref('dim_participants') }} as participants
    on participants.centre_id = facts.centre_id
    and participants.participant_id = facts.participant_id
where participants.participant_id is null

{% endtest %}
