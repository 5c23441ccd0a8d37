-- The calibration-versus-holdout check of Fader, Hardie & Lee (2005): customers grouped by their
-- repeat purchases in calibration (7 and more together), mean predicted and actual holdout purchases.
select
    least(calibration_frequency, 7) as calibration_frequency,
    case when calibration_frequency >= 7 then '7+' else cast(calibration_frequency as string) end as label,
    count(*) as customers,
    avg(predicted_purchases) as mean_predicted_purchases,
    avg(actual_purchases) as mean_actual_purchases
from {{ ref('backtest_customers') }}
group by 1, 2
