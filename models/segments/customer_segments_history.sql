-- Segment history: every run's customer_segments rows, appended once per run (run_id).
-- This is the job of a dbt snapshot; dbt-spark snapshots need Delta/Hudi tables, which the bundled
-- Spark does not have, so an append-only incremental model on Parquet keeps the history instead.
{{ config(materialized='incremental', incremental_strategy='append') }}

with customer_segments as (
    select * from {{ ref('customer_segments') }}
)

select
    run_id,
    scored_at,
    customer_id,
    kmeans_segment,
    rfm_segment,
    recency_days,
    frequency,
    monetary
from customer_segments
{% if is_incremental() %}
where run_id not in (select distinct previous_runs.run_id from {{ this }} as previous_runs)
{% endif %}
