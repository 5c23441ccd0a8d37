-- Rule-based RFM: R, F and M scores 1-5 by quintiles, equal values always getting equal scores:
--   score = least(5, 1 + floor(5 * percent_rank()))
-- percent_rank gives tied values the same rank, so a block of ties never straddles two scores (a
-- plain ntile splits them, which left the seed analysis with no "New Customers" at all). Recency
-- ranks descending: the most recent customers score 5. The segment comes from rfm_segment_map.
with rfm as (
    select * from {{ ref('fct_customer_rfm') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

-- one window over all customers: a single sort of one row per customer
scored as (
    select
        customer_id,
        recency_days,
        frequency,
        monetary,
        cast(least(5, 1 + floor(5 * percent_rank() over (order by recency_days desc))) as int) as r_score,
        cast(least(5, 1 + floor(5 * percent_rank() over (order by frequency))) as int) as f_score,
        cast(least(5, 1 + floor(5 * percent_rank() over (order by monetary))) as int) as m_score
    from rfm
),

final as (
    select
        scored.*,
        segment_map.rfm_segment
    from scored
    inner join segment_map
        on scored.r_score = segment_map.r_score
        and scored.f_score = segment_map.f_score
        and scored.m_score = segment_map.m_score
)

select * from final
