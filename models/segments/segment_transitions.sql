-- K-means segment transitions between the last two runs in customer_segments_history: one row per
-- (from, to) pair with the customers who moved. A customer present in only one of the two runs comes
-- from or goes to '(not scored)'; on the first run every customer comes from '(not scored)'.
with history as (
    select * from {{ ref('customer_segments_history') }}
),

runs as (
    select run_id, dense_rank() over (order by max(scored_at) desc, run_id desc) as recency_rank
    from history
    group by 1
),

latest as (
    select history.customer_id, history.kmeans_segment
    from history
    inner join runs on history.run_id = runs.run_id
    where runs.recency_rank = 1
),

previous as (
    select history.customer_id, history.kmeans_segment
    from history
    inner join runs on history.run_id = runs.run_id
    where runs.recency_rank = 2
),

final as (
    select
        coalesce(previous.kmeans_segment, '(not scored)') as from_segment,
        coalesce(latest.kmeans_segment, '(not scored)') as to_segment,
        count(*) as customers
    from latest
    full outer join previous
        on latest.customer_id = previous.customer_id
    group by 1, 2
)

select * from final
