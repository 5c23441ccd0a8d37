-- What each customer did in the holdout: purchase days (as the BTYD summary counts them: a day
-- with a merchandise purchase line) and spend before capping, returns netting their own day.
with periods as (
    select * from {{ ref('backtest_periods') }}
),

days as (
    select
        purchases.customer_id,
        to_date(purchases.event_at) as event_date,
        bool_or(purchases.quantity > 0) as is_purchase_day,
        sum(purchases.uncapped_line_amount) as spend
    from {{ ref('fct_purchases') }} as purchases
    cross join periods
    where
        purchases.is_merchandise
        and to_date(purchases.event_at) > periods.calibration_end
        and to_date(purchases.event_at) <= periods.holdout_end
    group by 1, 2
)

select
    customer_id,
    count_if(is_purchase_day) as purchases,
    cast(sum(spend) as decimal(18, 2)) as spend
from days
group by 1
