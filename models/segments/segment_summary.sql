-- Per segment, for both segmentations (segment_type kmeans or rfm): customers and their share,
-- mean and median R/F/M, revenue (sum of monetary) and its share; and from the customer-value
-- models, mean P(alive), mean expected purchases and the expected revenue over the horizon
-- (expected purchases x expected spend, undiscounted) and its sum discounted (CLV).
with customer_segments as (
    select * from {{ ref('customer_segments') }}
),

by_segment as (
    select
        'kmeans' as segment_type,
        kmeans_segment as segment,
        recency_days,
        frequency,
        monetary,
        p_alive,
        expected_purchases,
        expected_purchases * expected_spend as expected_revenue,
        clv
    from customer_segments
    union all
    select
        'rfm' as segment_type,
        rfm_segment as segment,
        recency_days,
        frequency,
        monetary,
        p_alive,
        expected_purchases,
        expected_purchases * expected_spend as expected_revenue,
        clv
    from customer_segments
),

summarized as (
    select
        segment_type,
        segment,
        count(*) as customers,
        round(avg(recency_days), 1) as mean_recency_days,
        percentile(recency_days, 0.5) as median_recency_days,
        round(avg(frequency), 2) as mean_frequency,
        percentile(frequency, 0.5) as median_frequency,
        round(avg(monetary), 2) as mean_monetary,
        round(percentile(monetary, 0.5), 2) as median_monetary,
        round(sum(monetary), 2) as revenue,
        round(avg(p_alive), 4) as mean_p_alive,
        round(avg(expected_purchases), 4) as mean_expected_purchases,
        round(sum(expected_revenue), 2) as expected_revenue,
        round(sum(clv), 2) as clv
    from by_segment
    group by 1, 2
),

final as (
    select
        *,
        round(customers / sum(customers) over (partition by segment_type), 4) as customer_share,
        round(revenue / sum(revenue) over (partition by segment_type), 4) as revenue_share
    from summarized
)

select * from final
