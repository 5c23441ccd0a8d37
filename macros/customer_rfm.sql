{#- RFM per customer: the body of fct_customer_rfm (read its header), for any as-of date.
    as_of: a SQL date expression, or none for the day after the last event. -#}
{% macro customer_rfm(purchases, customers, as_of, window_days) %}

with purchases as (
    select
        customer_id,
        order_id,
        event_at,
        to_date(event_at) as event_date,
        quantity > 0 as is_purchase,
        line_amount,
        is_merchandise
    from {{ purchases }}
),

customers as (
    select * from {{ customers }}
),

as_of as (
    {%- if as_of %}
    select {{ as_of }} as as_of_date
    {%- else %}
    select date_add(max(event_date), 1) as as_of_date from purchases
    {%- endif %}
),

merchandise_purchases as (
    select purchases.*
    from purchases
    cross join as_of
    where
        purchases.is_merchandise
        {%- if window_days %}
        and purchases.event_date >= date_sub(as_of.as_of_date, {{ window_days }})
        {%- endif %}
        and purchases.event_date < as_of.as_of_date
),

orders as (
    select
        customer_id,
        order_id,
        max(case when is_purchase then event_at end) as purchased_at,
        min(case when is_purchase then event_at end) as first_purchased_at,
        sum(line_amount) as order_amount
    from merchandise_purchases
    group by 1, 2
),

rfm as (
    select
        customer_id,
        min(first_purchased_at) as first_purchase_at,
        max(purchased_at) as last_purchase_at,
        count(purchased_at) as frequency,
        sum(order_amount) as net_amount
    from orders
    group by 1
    having count(purchased_at) > 0
),

final as (
    select
        rfm.customer_id,
        datediff(as_of.as_of_date, to_date(rfm.last_purchase_at)) as recency_days,
        rfm.frequency,
        cast(round(greatest(rfm.net_amount, 0), 2) as decimal(18, 2)) as monetary,
        rfm.first_purchase_at,
        rfm.last_purchase_at,
        customers.country,
        as_of.as_of_date
    from rfm
    cross join as_of
    left join customers
        on rfm.customer_id = customers.customer_id
)

select * from final
{% endmacro %}
