-- The tracking curve: cumulative repeat purchases of the calibration customers by the end of each
-- period (time unit) of calibration and holdout, actual and as BG/NBD expects them from each
-- customer's first purchase day (ml/backtest.py writes the expected curve).
with expected as (
    select * from {{ source('backtest_ml', 'ml_tracking') }}
),

customers as (
    select customer_id from {{ ref('backtest_customers') }}
),

days as (
    select
        purchases.customer_id,
        to_date(purchases.event_at) as event_date
    from {{ ref('fct_purchases') }} as purchases
    inner join customers
        on purchases.customer_id = customers.customer_id
    where purchases.is_merchandise and purchases.quantity > 0
    group by 1, 2
),

flagged_days as (
    select
        event_date,
        event_date > min(event_date) over (partition by customer_id) as is_repeat
    from days
),

repeat_days as (
    select
        event_date,
        count(*) as purchases
    from flagged_days
    where is_repeat
    group by 1
)

select
    expected.period,
    expected.period_end,
    expected.in_holdout,
    coalesce(sum(repeat_days.purchases), 0) as actual_repeat_purchases,
    expected.expected_repeat_purchases
from expected
left join repeat_days
    on expected.period_end >= repeat_days.event_date
group by 1, 2, 3, 5
