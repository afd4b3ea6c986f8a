-- Why: every kind applies the same rule (EXPORT_FORMAT §5, ARCHITECTURE "Batch registry"):
-- withdrawn batches drop out, and per key the row with the highest
-- (precedence, seq, row_number) among active batches wins. One macro, one definition.
-- A grouped arg_max (hash aggregate) rather than a row_number() window: same result, about
-- twice as fast on 1.4M hours rows, since no sort is needed.
{% macro latest_wins(relation, key_columns) %}
    select unnest(arg_max(active, (active.batch_precedence, active.batch_seq, active.row_number)))
    from (
        select
            landed.*,
            batches.precedence as batch_precedence,
            batches.seq as batch_seq,
            batches.received_at as batch_received_at
        from {{ relation }} as landed
        inner join {{ ref('stg_registry__batches') }} as batches
            on batches.batch_id = landed.batch_id
        where not batches.is_withdrawn
    ) as active
    group by active.centre_id{% for column in key_columns %}, active.{{ column }}{% endfor %}
{% endmacro %}
