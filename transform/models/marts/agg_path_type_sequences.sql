-- The representative path of each typical path: its medoid's state month by month
-- (int_participant_path_type.representative_path, one letter per month).
with

path_types as (select * from {{ ref('int_participant_path_type') }}),

medoids as (

    select
        path_type,
        path_type_name,
        representative_path,
        count(*)::integer as trainees,
        count(*) filter (where sequence = representative_path)::integer as shared_by
    from path_types
    group by all

),

months as (

    select
        medoids.path_type,
        medoids.path_type_name,
        medoids.shared_by,
        months.month_number::integer as months_since_entry,
        substr(medoids.representative_path, months.month_number + 1, 1) as letter
    from medoids
    cross join range(0, length(medoids.representative_path)) as months (month_number)

),

final as (

    select
        path_type,
        path_type_name,
        shared_by,
        months_since_entry,
        case letter
            when 'C' then 'in_centre'
            when 'E' then 'employment'
            when 'T' then 'training'
            when 'P' then 'pathway'
            when 'N' then 'none'
            when 'U' then 'unknown'
            when 'X' then 'not_observed'
        end as state
    from months

)

select * from final
