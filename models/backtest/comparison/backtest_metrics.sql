-- How well the calibration models predicted the holdout, one row:
--   purchases: MAE, RMSE, Pearson correlation and total error % of predicted vs actual per customer
--   purchase probability (of at least one purchase in the holdout) against "bought again": Brier
--   score and ROC AUC over every scored customer
--   P(alive) against "bought again": Brier score and ROC AUC over the repeat customers (BG/NBD's
--   P(alive) is 1 by construction for a customer without a repeat purchase)
--   top_decile_lift: holdout revenue per customer of CLV decile 1 over that of all customers
with customers as (
    select * from {{ ref('backtest_customers') }}
),

scored as (
    select * from customers
    where predicted_purchases is not null
),

repeat_customers as (
    select * from scored
    where calibration_frequency > 0
),

totals as (
    select
        count(*) as customers,
        count(predicted_purchases) as customers_scored,
        avg(abs(predicted_purchases - actual_purchases)) as purchases_mae,
        sqrt(avg(pow(predicted_purchases - actual_purchases, 2))) as purchases_rmse,
        corr(predicted_purchases, cast(actual_purchases as double)) as purchases_correlation,
        100 * (sum(predicted_purchases) - sum(case when predicted_purchases is not null then actual_purchases end))
        / sum(case when predicted_purchases is not null then actual_purchases end) as purchases_total_error_pct,
        avg(pow(purchase_probability - cast(bought_again as int), 2)) as purchase_probability_brier,
        avg(case when calibration_frequency > 0 then pow(p_alive - cast(bought_again as int), 2) end)
            as p_alive_brier,
        avg(cast(bought_again as int)) as bought_again_share,
        avg(case when clv_decile = 1 then cast(actual_spend as double) end) / avg(cast(actual_spend as double))
            as top_decile_lift,
        sum(predicted_spend) as predicted_revenue,
        sum(actual_spend) as actual_revenue
    from customers
)

select
    periods.calibration_end,
    periods.holdout_end,
    periods.holdout_length,
    periods.time_unit,
    totals.*,
    ({{ roc_auc('scored', 'purchase_probability', 'bought_again') }}) as purchase_probability_auc,
    ({{ roc_auc('repeat_customers', 'p_alive', 'bought_again') }}) as p_alive_auc
from totals
cross join {{ ref('backtest_periods') }} as periods
