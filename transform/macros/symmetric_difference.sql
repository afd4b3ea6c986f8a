{#- The rows of one relation that the other lacks, both ways: what a reconciliation test returns
    when an aggregate and its recount disagree (empty when they hold the same rows). -#}
{% macro symmetric_difference(left, right) %}
    (
        select * from {{ left }}
        except
        select * from {{ right }}
    )
    union all
    (
        select * from {{ right }}
        except
        select * from {{ left }}
    )
{% endmacro %}
