with

source as (

    select * from {{ ref('codes') }}

),

renamed as (

    select

        ---------- ids
        list as code_list,
        code,

        ---------- descriptors
        label_fr as label,
        nullif(trim("group"), '') as code_group

    from source

)

select * from renamed
