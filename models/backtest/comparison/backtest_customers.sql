-- One row per calibration customer: what the models fitted on the calibration period predicted for
-- the holdout, and what the customer did in it.
--   predicted_purchases : BG/NBD expected purchase days over the holdout's length
--   purchase_probability: BG/NBD's probability of at least one purchase in the holdout
--   predicted_spend     : those purchases times Gamma-Gamma's expected spend per purchase
--   bought_again        : at least one purchase day in the holdout
with periods as (
    select * from {{ ref('backtest_periods') }}
),

value as (
    select * from {{ source('backtest_ml', 'ml_customer_value') }}
),

clusters as (
    select * from {{ source('backtest_ml', 'ml_customer_clusters') }}
),

rfm_scores as (
    select * from {{ ref('backtest_calibration_rfm_scores') }}
),

holdout as (
    select * from {{ ref('backtest_holdout_purchases') }}
)

select
    value.customer_id,
    clusters.segment,
    rfm_scores.rfm_segment,
    value.frequency as calibration_frequency,
    value.recency as calibration_recency,
    value.t as calibration_t,
    value.p_alive,
    value.expected_purchases as predicted_purchases,
    value.purchase_probability,
    value.expected_purchases * value.expected_spend as predicted_spend,
    value.clv,
    value.clv_decile,
    coalesce(holdout.purchases, 0) as actual_purchases,
    coalesce(holdout.spend, 0) as actual_spend,
    coalesce(holdout.purchases, 0) > 0 as bought_again,
    periods.calibration_end,
    periods.holdout_end
from value
cross join periods
left join clusters
    on value.customer_id = clusters.customer_id
left join rfm_scores
    on value.customer_id = rfm_scores.customer_id
left join holdout
    on value.customer_id = holdout.customer_id
