-- Cross-file rule: barrier assessments, partnerships, milestones, hours or follow-ups dated
-- before the participant's entry. Warn only, listed in rpt_data_quality_issues.
{{ config(severity = 'warn') }}

select * from {{ ref('rpt_data_quality_issues') }}
where rule = 'event_before_entry'
