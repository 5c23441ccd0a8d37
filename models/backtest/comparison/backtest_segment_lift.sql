-- Did the segments keep their promise? Per K-Means and per RFM segment of the calibration period:
-- customers, the share that bought again in the holdout, holdout purchases and revenue per
-- customer, and their lift over all customers (1.5 = half as much again as the average customer).
with customers as (
    select * from {{ ref('backtest_customers') }}
),

overall as (
    select
        avg(actual_purchases) as purchases_per_customer,
        avg(actual_spend) as revenue_per_customer
    from customers
),

by_segment as (
    select
        'kmeans' as segment_type, segment, customer_id, actual_purchases, actual_spend, bought_again,
        predicted_purchases
    from customers
    union all
    select
        'rfm' as segment_type, rfm_segment as segment, customer_id, actual_purchases, actual_spend, bought_again,
        predicted_purchases
    from customers
),

segments as (
    select
        segment_type,
        segment,
        count(*) as customers,
        avg(cast(bought_again as int)) as bought_again_share,
        avg(actual_purchases) as holdout_purchases_per_customer,
        avg(predicted_purchases) as predicted_purchases_per_customer,
        avg(actual_spend) as holdout_revenue_per_customer,
        sum(actual_spend) as holdout_revenue
    from by_segment
    group by 1, 2
)

select
    segments.*,
    segments.holdout_purchases_per_customer / nullif(overall.purchases_per_customer, 0) as purchases_lift,
    segments.holdout_revenue_per_customer / nullif(overall.revenue_per_customer, 0) as revenue_lift
from segments
cross join overall
