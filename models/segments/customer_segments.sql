-- One row per RFM customer: R/F/M, rule-based scores and segment, k-means segment, and the
-- recommended action for each (segment_playbook).
with clusters as (
    select * from {{ source('ml', 'ml_customer_clusters') }}
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
        kmeans_actions.recommended_action,
        rfm_actions.recommended_action as rfm_recommended_action,
        clusters.run_id,
        clusters.scored_at
    from scores
    inner join clusters
        on scores.customer_id = clusters.customer_id
    left join customers
        on scores.customer_id = customers.customer_id
    left join playbook as kmeans_actions
        on kmeans_actions.segment_type = 'kmeans'
        and clusters.segment = kmeans_actions.segment
    left join playbook as rfm_actions
        on rfm_actions.segment_type = 'rfm'
        and scores.rfm_segment = rfm_actions.segment
)

select * from final
