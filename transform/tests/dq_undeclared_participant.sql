-- Cross-file rule: records for a participant the centre never declared in a participants file.
-- Warn only, listed in rpt_data_quality_issues.
{{ config(severity = 'warn') }}

select * from {{ ref('rpt_data_quality_issues') }}
where rule = 'undeclared_participant'
