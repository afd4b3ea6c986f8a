-- Why: every kind applies the same rule (EXPORT_FORMAT §5, ARCHITECTURE "Batch registry"):
-- withdrawn batches drop out, and per key the row with the highest
-- (precedence, seq, row_number) among active batches wins. One macro, one definition.
{% macro latest_wins(relation, key_columns) %}
    select
        landed.*,
        batches.seq as batch_seq,
        batches.received_at as batch_received_at
    from {{ relation }} as landed
    inner join {{ ref('stg_registry__batches') }} as batches
        on batches.batch_id = landed.batch_id
    where not batches.is_withdrawn
    qualify row_number() over (
        partition by landed.centre_id{% for column in key_columns %}, landed.{{ column }}{% endfor %}
        order by batches.precedence desc, batches.seq desc, landed.row_number desc
    ) = 1
{% endmacro %}
