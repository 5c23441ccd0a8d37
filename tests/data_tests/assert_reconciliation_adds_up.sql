-- Every data line read is accounted for: rejected at ingest, removed by a rule, or kept (for Amazon
-- Reviews: every review line, and every metadata line in audit_amazon_items).
-- Returns a row (a failure) when an audit's total differs from the lines the ingest counted.
{%- set amazon = var('data_source') == 'amazon_reviews' %}
with audited as (
    select sum(row_count) as audited_lines
    from {{ ref('audit_row_reconciliation') }}
),

ingested as (
    select sum(rows_loaded + rows_rejected) as data_lines
    from {{ ref('stg_ingested_files') }}
    where status = 'loaded'
    {%- if amazon %}
        and dataset = 'reviews'
    {%- endif %}
),

raw_tables as (
    select count(*) as raw_lines
    from {{ source('amazon_reviews', 'reviews') if amazon else source('online_retail', 'order_lines') }}
)
{%- if amazon %},

audited_items as (
    select sum(items) as audited_items from {{ ref('audit_amazon_items') }}
),

raw_items as (
    select count(*) as raw_items from {{ source('amazon_reviews', 'items') }}
)
{%- endif %}

select audited.audited_lines, ingested.data_lines, raw_tables.raw_lines
from audited
cross join ingested
cross join raw_tables
{%- if amazon %}
cross join audited_items
cross join raw_items
{%- endif %}
where audited.audited_lines != ingested.data_lines
    or audited.audited_lines != raw_tables.raw_lines
    {%- if amazon %}
    or audited_items.audited_items != raw_items.raw_items
    {%- endif %}
