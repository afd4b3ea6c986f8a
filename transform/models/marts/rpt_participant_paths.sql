select * from {{ ref('int_participant_paths') }}
