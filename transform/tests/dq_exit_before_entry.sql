-- Cross-file rule: an exit dated before the participant's entry (each file was valid alone).
-- Warn only: the rows are listed on the data-quality page (rpt_data_quality_issues).
{{ config(severity = 'warn') }}

select * from {{ ref('rpt_data_quality_issues') }}
where rule = 'exit_before_entry'
