-- The buy-till-you-die summary per customer with a purchase by the calibration end, in the
-- conventions of lifetimes' summary_data_from_transaction_data, in the time unit var value_time_unit:
--   a purchase day : a day with at least one merchandise purchase line; one day's lines are merged
--   frequency      : purchase days after the first (x)
--   recency        : first to last purchase day (t_x)
--   T              : first purchase day to the calibration end
--   monetary_value : spend of the days after the first purchase day over frequency; 0 when x = 0
-- calibration_end: var value_calibration_end (purchases on or before it count), else the RFM as-of
-- date. Spend is before IQR capping (capping is for the segments, not these models). A matched
-- cancellation nets its own day's spend; a day with only returns is no purchase, but its refund
-- counts in the repeat spend.
{%- set calibration_end = var('value_calibration_end') %}
{%- set unit = var('value_time_unit') %}
{%- set days_per_unit = days_per_time_unit(unit) %}

with purchases as (
    select
        customer_id,
        to_date(event_at) as event_date,
        quantity > 0 as is_purchase,
        uncapped_line_amount
    from {{ ref('fct_purchases') }}
    where is_merchandise
),

calibration as (
    {%- if calibration_end %}
    select cast('{{ calibration_end }}' as date) as calibration_end
    {%- else %}
    select max(as_of_date) as calibration_end from {{ ref('fct_customer_rfm') }}
    {%- endif %}
),

days as (
    select
        purchases.customer_id,
        purchases.event_date,
        bool_or(purchases.is_purchase) as is_purchase_day,
        sum(purchases.uncapped_line_amount) as spend
    from purchases
    cross join calibration
    where purchases.event_date <= calibration.calibration_end
    group by 1, 2
),

first_purchase as (
    select
        customer_id,
        min(event_date) as first_purchase_date,
        max(event_date) as last_purchase_date,
        count(*) - 1 as frequency
    from days
    where is_purchase_day
    group by 1
),

repeat_spend as (
    select
        days.customer_id,
        sum(days.spend) as spend
    from days
    inner join first_purchase
        on days.customer_id = first_purchase.customer_id
    where days.event_date > first_purchase.first_purchase_date
    group by 1
),

final as (
    select
        first_purchase.customer_id,
        first_purchase.frequency,
        datediff(first_purchase.last_purchase_date, first_purchase.first_purchase_date)
        / {{ days_per_unit }} as recency,
        datediff(calibration.calibration_end, first_purchase.first_purchase_date) / {{ days_per_unit }} as t,
        -- exact decimals: a mean of 62.255 rounds to 62.26, as the published summaries do
        cast(
            case
                when first_purchase.frequency > 0 then coalesce(repeat_spend.spend, 0) / first_purchase.frequency
                else 0
            end as decimal(18, 6)
        ) as monetary_value,
        datediff(first_purchase.last_purchase_date, first_purchase.first_purchase_date) as recency_days,
        datediff(calibration.calibration_end, first_purchase.first_purchase_date) as t_days,
        first_purchase.first_purchase_date,
        first_purchase.last_purchase_date,
        calibration.calibration_end,
        '{{ unit }}' as time_unit
    from first_purchase
    cross join calibration
    left join repeat_spend
        on first_purchase.customer_id = repeat_spend.customer_id
)

select * from final
