-- The clean fact summed once per invoice (strictly: per customer, invoice, country and month, so
-- every model reading it gets exactly what it would from the lines). dim_customers,
-- eda_country_customers and eda_monthly_revenue count invoices and customers: reading this rather
-- than fct_order_lines, they aggregate one row per invoice instead of one per line (about 20 times
-- fewer) and the lines are shuffled once for the three.
with order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

invoices as (
    select
        customer_id,
        invoice_no,
        country,
        date_trunc('MONTH', invoiced_at) as invoice_month_start,
        min(invoiced_at) as first_invoiced_at,
        max(invoiced_at) as last_invoiced_at,
        max(is_purchase) as has_purchase,
        max(is_matched_cancellation) as has_matched_cancellation,
        count(*) as order_lines,
        sum(line_amount) as amount,
        sum(case when is_purchase then line_amount else 0 end) as purchases,
        sum(case when is_cancellation then line_amount else 0 end) as cancellations,
        sum(case when not is_purchase and not is_cancellation then line_amount else 0 end) as other
    from order_lines
    group by 1, 2, 3, 4
)

select * from invoices
