-- Why: a centre's upload, withdrawal or complete export changes that centre's rows only, so a
-- build after it (the « fast path », parcours/warehouse/build.py) starts from a copy of the
-- served warehouse and recomputes the per-centre models for the changed centres alone. Those
-- models are `incremental` (dbt_project.yml): in incremental mode a pre-hook deletes the changed
-- centres' rows, then the model appends what it selects for those centres. Delete first, then
-- append (not delete+insert on a key): a centre whose rows all went (a withdrawal) keeps none.
-- The changed centres come in as DATA (build/registry/changed_centres.parquet, written by the
-- build), not as a dbt var: a new var would make dbt parse the whole project again.
-- In a from-scratch build (an empty file) is_incremental() is false: every model is built in
-- full, exactly as a `table`, and the file is never read.

{% macro changed_centres() -%}
    {#- The changed centres' ids, read when the model runs (never at parse time). -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        select centre_id from {{ source('registry', 'changed_centres') }} order by centre_id
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}

{% macro changed_centres_in(column='centre_id') -%}
    {#- `column in ('C1', 'C2')` as literals, so DuckDB pushes the filter down to the landing
        files' scans and through every join and group on centre_id. -#}
    {%- set ids = changed_centres() -%}
    {{ column }} in (
        {%- for id in ids -%}
            '{{ id | replace("'", "''") }}'{{ ", " if not loop.last }}
        {%- else -%}
            null
        {%- endfor -%}
    )
{%- endmacro %}

{% macro incremental_by_centre() -%}
    {#- is_incremental(), false in a unit test (where `this` is none: dbt's own macro would
        fail on it when called from another macro). -#}
    {{ return(this is not none and is_incremental()) }}
{%- endmacro %}

{% macro only_changed_centres(keyword='where', column='centre_id') -%}
    {#- Closes a per-centre model's final select: nothing in a from-scratch build; in an
        incremental build, `where centre_id in (…changed…)` (or `and …` after a where). -#}
    {%- if incremental_by_centre() -%}
        {{ keyword }} {{ changed_centres_in(column) }}
    {%- endif -%}
{%- endmacro %}

{% macro delete_changed_centres() -%}
    {#- The pre-hook of every per-centre incremental model (dbt_project.yml). -#}
    {%- if incremental_by_centre() -%}
        delete from {{ this }} where {{ changed_centres_in() }}
    {%- endif -%}
{%- endmacro %}

{#- The data tests of a fast build. dbt hands every generic test its model through
    get_where_subquery (this override of dbt's macro): in a fast build, the tests that check
    rows one by one or keys that hold centre_id look only at the changed centres' rows of a
    per-centre model — the other centres' rows are the ones that passed when they were built,
    unchanged since. Tests comparing two models (equal_count, equal_rowcount, equal_total), a
    key without centre_id, singular tests and the tests of sector-wide models check every
    row, as in a from-scratch build (where nothing is filtered: no centre changed). -#}
{% macro get_where_subquery(relation) -%}
    {%- set tested = adapter.dispatch('get_where_subquery', 'dbt')(relation) -%}
    {%- if not execute or relation is string or not model.get('test_metadata') -%}
        {{ return(tested) }}
    {%- endif -%}
    {%- set node = graph.nodes.get(model.get('attached_node') or '', {}) -%}
    {#- Per centre: the incremental models, and the two views over them (fct_hours,
        rpt_participant_paths: every view of this project reads per-centre tables only). -#}
    {%- if node.get('config', {}).get('materialized') not in ['incremental', 'view']
        or node.get('alias') != relation.identifier -%}
        {{ return(tested) }}
    {%- endif -%}
    {%- set test = model.test_metadata.name -%}
    {%- set kwargs = model.test_metadata.kwargs -%}
    {%- set key = (kwargs.get('columns') or []) + [kwargs.get('column_name')] -%}
    {%- set row_test = test in ['not_null', 'accepted_values', 'relationships', 'code_in_list',
        'group_in_list', 'expression_is_true', 'known_participant'] -%}
    {%- set key_test = test in ['unique', 'primary_key', 'unique_key'] and 'centre_id' in key -%}
    {%- if not (row_test or key_test) or not changed_centres() -%}
        {{ return(tested) }}
    {%- endif -%}
    {#- No alias: a test may name it (`from {{ model }} as facts`). -#}
    {%- set filtered -%}
        (select * from {{ tested }} where {{ changed_centres_in() }})
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}
