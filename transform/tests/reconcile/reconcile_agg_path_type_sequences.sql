-- Reconciliation of agg_path_type_sequences with int_participant_path_type: each type's months,
-- state by state, spell its representative path again (one letter per month), under the type's
-- name, and shared_by counts the trainees whose own sequence is that path. Rows returned: the
-- types that differ.
with

spelled as (

    select
        path_type,
        path_type_name,
        shared_by,
        string_agg(
            case state
                when 'in_centre' then 'C'
                when 'employment' then 'E'
                when 'training' then 'T'
                when 'pathway' then 'P'
                when 'none' then 'N'
                when 'unknown' then 'U'
                when 'not_observed' then 'X'
            end,
            ''
            order by months_since_entry
        ) as representative_path
    from {{ ref('agg_path_type_sequences') }}
    group by path_type, path_type_name, shared_by

),

expected as (

    select
        path_type,
        path_type_name,
        count(*) filter (where sequence = representative_path) as shared_by,
        representative_path
    from {{ ref('int_participant_path_type') }}
    group by path_type, path_type_name, representative_path

)

{{ symmetric_difference('spelled', 'expected') }}
