{#- R, F and M scores and the rule-based segment of each RFM customer: the body of
    customer_rfm_scores (read its header), for any RFM table. -#}
{% macro rfm_scores(rfm, segment_map) %}
with rfm as (
    select * from {{ rfm }}
),

segment_map as (
    select * from {{ segment_map }}
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
{% endmacro %}
