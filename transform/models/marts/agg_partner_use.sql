-- depends_on: {{ ref('codes') }}
{% set purposes = code_list("purpose") %}
{% set results = code_list("result") %}
with

partnerships as (select * from {{ ref('fct_partnerships') }}),
participants as (select * from {{ ref('dim_participants') }}),

-- Left join and 'undeclared' for a trainee without a filière: no partnership is lost.
final as (

    select
        partnerships.centre_id,
        {{ filiere_or_undeclared('participants.filiere') }} as filiere,
        partnerships.partner_type,
        any_value(partnerships.partner_group) as partner_group,
        year(partnerships.started_on)::smallint as started_year,
        count(*)::integer as engagements,
        count(distinct partnerships.participant_id)::integer as participants_reached,
        {%- for purpose in purposes %}
        count(*) filter (where partnerships.purpose = '{{ purpose }}')::integer
            as purpose_{{ purpose }},
        {%- endfor %}
        count(*) filter (where partnerships.purpose is null)::integer as purpose_missing,
        {%- for result in results %}
        count(*) filter (where partnerships.result = '{{ result }}')::integer
            as result_{{ result }},
        {%- endfor %}
        count(*) filter (where partnerships.result is null)::integer as result_missing
    from partnerships
    left join participants
        on partnerships.centre_id = participants.centre_id
        and partnerships.participant_id = participants.participant_id
    group by all

)

select * from final
