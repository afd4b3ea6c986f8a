-- The code the macro filiere_or_undeclared writes in the aggregates has its label in the seed
-- aggregate_codes (one definition in SQL, one label for the pages: they must agree).
select {{ undeclared_filiere() }} as code
where {{ undeclared_filiere() }} not in (
    select code from {{ ref('aggregate_codes') }} where list = 'filiere'
)
