-- The Trajectoires aggregates of « les freins d'abord » and of the barrier journeys stay in
-- their ranges: months since entry 0–36 for the journeys and never negative for the events; a
-- numerator never above its base.
select 'agg_barrier_level_journeys' as model_name, months_since_entry as value_found
from {{ ref('agg_barrier_level_journeys') }}
where months_since_entry not between 0 and 36
union all
select 'agg_event_order' as model_name, months_since_entry as value_found
from {{ ref('agg_event_order') }}
where months_since_entry < 0
union all
select 'agg_steps_after_lifts' as model_name, step_after_lift as value_found
from {{ ref('agg_steps_after_lifts') }}
where step_after_lift not between 0 and trainees_with_step
