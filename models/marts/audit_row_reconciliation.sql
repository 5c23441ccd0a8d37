-- One row per outcome a data line (Online Retail) or review line (Amazon Reviews) can have:
-- rejected at ingest, removed by a rule, kept; zero counts included. The counts add up to the lines
-- read (a test asserts it).
with reasons as (
    select * from {{ ref('row_outcome_reasons') }}
    where data_source = '{{ var('data_source') }}'
),
{%- if var('data_source') == 'amazon_reviews' %}

rejected as (
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
),
{%- else %}

rejected as (
    select reject_reason as reason, count(*) as row_count
    from {{ ref('stg_online_retail__rejected_lines') }}
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
),
{%- endif %}

final as (
    select
        reasons.rule_order,
        reasons.outcome,
        reasons.reason,
        coalesce(counted.row_count, 0) as row_count,
        reasons.description
    from reasons
    left join counted
        on reasons.reason = counted.reason
)

select * from final
