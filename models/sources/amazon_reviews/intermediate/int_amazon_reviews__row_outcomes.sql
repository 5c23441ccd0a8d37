-- Amazon Reviews' review-line counts for audit_row_reconciliation, one row per outcome reached
-- (reason, row_count): rejected at ingest, removed by a rule, kept. A view: the audit reads it in
-- the same query.
{{ config(materialized='view') }}

with rejected as (
    select reject_reason as reason, count(*) as row_count
    from {{ ref('stg_amazon_reviews__rejected_rows') }}
    where dataset = 'reviews'
    group by 1
),

removed as (
    select coalesce(removal_reason, 'kept') as reason, count(*) as row_count
    from {{ ref('int_amazon_reviews__reviews_classified') }}
    group by 1
),

counted as (
    select * from rejected
    union all
    select * from removed
)

select * from counted
