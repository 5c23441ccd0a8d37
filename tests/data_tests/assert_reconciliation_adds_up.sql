-- Every data line read is accounted for: rejected at ingest, removed by a rule, or kept.
-- Returns a row (a failure) when the audit's total differs from the lines the ingest counted.
with audited as (
    select sum(row_count) as audited_lines
    from {{ ref('audit_row_reconciliation') }}
),

ingested as (
    select sum(rows_loaded + rows_rejected) as data_lines
    from {{ ref('stg_online_retail__ingested_files') }}
    where status = 'loaded'
),

raw_tables as (
    select count(*) as raw_lines
    from {{ source('online_retail', 'order_lines') }}
)

select audited.audited_lines, ingested.data_lines, raw_tables.raw_lines
from audited
cross join ingested
cross join raw_tables
where audited.audited_lines != ingested.data_lines
    or audited.audited_lines != raw_tables.raw_lines
