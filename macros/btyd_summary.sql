{#- The buy-till-you-die summary per customer: the body of customer_btyd_summary (read its
    header), for any calibration end (a SQL date expression). -#}
{% macro btyd_summary(purchases, calibration_end) %}
{%- set unit = var('value_time_unit') %}
{%- set days_per_unit = days_per_time_unit(unit) %}

with purchases as (
    select
        customer_id,
        to_date(event_at) as event_date,
        quantity > 0 as is_purchase,
        uncapped_line_amount
    from {{ purchases }}
    where is_merchandise
),

calibration as (
    select {{ calibration_end }} as calibration_end
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
{% endmacro %}
