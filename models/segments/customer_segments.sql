-- One row per RFM customer: R/F/M, rule-based scores and segment, k-means segment, customer value
-- (P(alive), churn risk, expected purchases and spend, CLV), and the recommended action for each
-- segment (segment_playbook), replaced where the churn risk changes it (churn_risk_playbook).
-- Churn risk: high when P(alive) < var churn_risk_high_below, low when > churn_risk_low_above;
-- none for a customer without a repeat purchase, whose P(alive) is 1 by BG/NBD's construction (it
-- lets customers drop out only after a purchase), so their segment's own action holds.
with clusters as (
    select * from {{ source('ml', 'ml_customer_clusters') }}
),

customer_values as (
    select
        *,
        case
            when frequency = 0 then null
            when p_alive < {{ var('churn_risk_high_below') }} then 'high'
            when p_alive <= {{ var('churn_risk_low_above') }} then 'medium'
            when p_alive is not null then 'low'
        end as churn_risk
    from {{ source('ml', 'ml_customer_value') }}
),

scores as (
    select * from {{ ref('customer_rfm_scores') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

playbook as (
    select * from {{ ref('segment_playbook') }}
),

risk_playbook as (
    select * from {{ ref('churn_risk_playbook') }}
),

final as (
    select
        scores.customer_id,
        customers.country,
        scores.recency_days,
        scores.frequency,
        scores.monetary,
        scores.r_score,
        scores.f_score,
        scores.m_score,
        clusters.segment as kmeans_segment,
        clusters.cluster_id as kmeans_cluster_id,
        clusters.distance_to_centroid,
        scores.rfm_segment,
        customer_values.p_alive,
        customer_values.churn_risk,
        customer_values.expected_purchases,
        customer_values.expected_spend,
        customer_values.clv,
        customer_values.clv_decile,
        coalesce(kmeans_risk_actions.recommended_action, kmeans_actions.recommended_action) as recommended_action,
        coalesce(rfm_risk_actions.recommended_action, rfm_actions.recommended_action) as rfm_recommended_action,
        clusters.run_id,
        clusters.scored_at
    from scores
    inner join clusters
        on scores.customer_id = clusters.customer_id
    left join customers
        on scores.customer_id = customers.customer_id
    left join customer_values
        on scores.customer_id = customer_values.customer_id
    left join playbook as kmeans_actions
        on kmeans_actions.segment_type = 'kmeans'
        and clusters.segment = kmeans_actions.segment
    left join playbook as rfm_actions
        on rfm_actions.segment_type = 'rfm'
        and scores.rfm_segment = rfm_actions.segment
    left join risk_playbook as kmeans_risk_actions
        on kmeans_risk_actions.segment_type = 'kmeans'
        and clusters.segment = kmeans_risk_actions.segment
        and customer_values.churn_risk = kmeans_risk_actions.churn_risk
    left join risk_playbook as rfm_risk_actions
        on rfm_risk_actions.segment_type = 'rfm'
        and scores.rfm_segment = rfm_risk_actions.segment
        and customer_values.churn_risk = rfm_risk_actions.churn_risk
)

select * from final
