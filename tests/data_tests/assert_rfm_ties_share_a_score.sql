-- Equal values always get equal scores: returns every recency, frequency or monetary value that
-- was given more than one score.
with scores as (
    select * from {{ ref('customer_rfm_scores') }}
)

select 'recency_days' as measure, cast(recency_days as string) as value from scores
group by recency_days
having count(distinct r_score) > 1
union all
select 'frequency' as measure, cast(frequency as string) as value from scores
group by frequency
having count(distinct f_score) > 1
union all
select 'monetary' as measure, cast(monetary as string) as value from scores
group by monetary
having count(distinct m_score) > 1
