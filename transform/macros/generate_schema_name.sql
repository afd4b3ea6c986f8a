-- Why: keep schema names short and stable (`staging`, `seeds`, marts in `main`) instead of
-- dbt's default `main_staging`, so readers of the warehouse know where the contract tables are.
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
