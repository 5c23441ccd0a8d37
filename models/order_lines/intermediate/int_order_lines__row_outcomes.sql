-- Online Retail's line counts for audit_row_reconciliation, one row per outcome reached (reason,
-- row_count): rejected at ingest, removed by a rule, kept. A view: the audit reads it in the same query.
{{ config(materialized='view') }}

with rejected as (
    select reject_reason as reason, count(*) as row_count
    from {{ ref('stg_' ~ var('data_source') ~ '__rejected_lines') }}
    group by 1
),

removed as (
    select removal_reason as reason, count(*) as row_count
    from {{ ref('removed_order_lines') }}
    group by 1
),

kept as (
    select 'kept' as reason, count(*) as row_count
    from {{ ref('fct_order_lines') }}
),

counted as (
    select * from rejected
    union all
    select * from removed
    union all
    select * from kept
)

select * from counted
