-- Why: every kind applies the same rule (EXPORT_FORMAT §5, ARCHITECTURE "Batch registry"):
-- withdrawn batches drop out, and per key the row with the highest
-- (precedence, seq, row_number) among active batches wins. One macro, one definition.
-- A complete export (EXPORT_FORMAT §5 v1.1) replaces what its centre sent before for its kind:
-- only active batches from the latest active complete export on (by precedence, so a replay of
-- an earlier upload stays superseded) count. Withdrawing the complete export brings the earlier
-- batches back. (The upload path counts the same batches for its dry run:
-- parcours.store.opstore.counting_batch_ids.)
-- A grouped arg_max (hash aggregate) rather than a row_number() window: same result, about
-- twice as fast on 1.4M hours rows, since no sort is needed. The order (precedence, seq,
-- row_number) is packed into one HUGEINT (40 bits each for seq and row_number, the rest for
-- precedence): the same order, since all three are positive integers below 2^40 (ops.sqlite's
-- integers, row numbers of one file), and half the CPU of comparing a three-field row per row.
{% macro latest_wins(relation, key_columns) %}
    select unnest(arg_max(
        active,
        (active.batch_precedence::hugeint << 80)
        | (active.batch_seq::hugeint << 40)
        | active.row_number::hugeint
    ))
    from (
        select
            landed.*,
            batches.precedence as batch_precedence,
            batches.seq as batch_seq,
            batches.received_at as batch_received_at
        from {{ relation }} as landed
        inner join {{ ref('stg_registry__batches') }} as batches
            on batches.batch_id = landed.batch_id
        left join (
            select centre_id, kind, max(precedence) as complete_precedence
            from {{ ref('stg_registry__batches') }}
            where is_complete and not is_withdrawn
            group by centre_id, kind
        ) as complete
            on complete.centre_id = batches.centre_id and complete.kind = batches.kind
        where not batches.is_withdrawn
            and batches.precedence >= coalesce(complete.complete_precedence, 0)
            {#- a fast build reads the changed centres' landing rows only -#}
            {{ only_changed_centres('and', 'landed.centre_id') }}
    ) as active
    group by active.centre_id{% for column in key_columns %}, active.{{ column }}{% endfor %}
{% endmacro %}
