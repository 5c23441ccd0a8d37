-- Rule 8, RFM per customer with at least one merchandise purchase line.
--   as_of_date   : var rfm_as_of_date, else the day after the last invoice in the clean fact
--   recency_days : days from the customer's last purchase date to the as-of date
--   frequency    : distinct purchase invoices
--   monetary     : capped quantity x capped price over merchandise lines, matched cancellations
--                  included, floored at 0 and rounded to 2 decimals
-- Only lines before the as-of date count, and with var rfm_window_days only the last N days.
-- Lines are first aggregated per invoice so that customers aggregate invoices, not lines.
{%- set as_of = var('rfm_as_of_date') %}
{%- set window_days = var('rfm_window_days') %}

with order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

as_of as (
    {%- if as_of %}
    select cast('{{ as_of }}' as date) as as_of_date
    {%- else %}
    select date_add(max(invoice_date), 1) as as_of_date from order_lines
    {%- endif %}
),

merchandise_lines as (
    select order_lines.*
    from order_lines
    cross join as_of
    where
        order_lines.is_merchandise
        and order_lines.invoice_date < as_of.as_of_date
        {%- if window_days %}
        and order_lines.invoice_date >= date_sub(as_of.as_of_date, {{ window_days }})
        {%- endif %}
),

invoices as (
    select
        customer_id,
        invoice_no,
        max(case when is_purchase then invoiced_at end) as purchased_at,
        min(case when is_purchase then invoiced_at end) as first_purchased_at,
        sum(line_amount) as invoice_amount
    from merchandise_lines
    group by 1, 2
),

rfm as (
    select
        customer_id,
        min(first_purchased_at) as first_purchase_at,
        max(purchased_at) as last_purchase_at,
        count(purchased_at) as frequency,
        sum(invoice_amount) as net_amount
    from invoices
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
