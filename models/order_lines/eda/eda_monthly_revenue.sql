-- Revenue per month from the clean fact: purchases, matched cancellations, other lines (charges and
-- adjustments that are neither) and net revenue, with invoices and active customers. It reads the
-- lines summed per invoice and month, so the distinct counts run over invoices, not lines.
with invoices as (
    select * from {{ ref('int_order_invoices') }}
),

final as (
    select
        -- grouped by the month's first instant, formatted once per month
        date_format(invoice_month_start, 'yyyy-MM') as invoice_month,
        cast(sum(purchases) as decimal(18, 2)) as purchases,
        cast(sum(cancellations) as decimal(18, 2)) as cancellations,
        cast(sum(other) as decimal(18, 2)) as other,
        cast(sum(amount) as decimal(18, 2)) as revenue,
        count(distinct invoice_no) as invoices,
        count(distinct customer_id) as customers
    from invoices
    group by invoice_month_start
)

select * from final
