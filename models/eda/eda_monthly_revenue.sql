-- Revenue per month from the clean fact: purchases, matched cancellations, other lines (charges and
-- adjustments that are neither) and net revenue, with invoices and active customers.
with order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

final as (
    select
        -- grouped by the month's first instant, formatted once per month rather than once per line
        date_format(date_trunc('MONTH', invoiced_at), 'yyyy-MM') as invoice_month,
        cast(sum(case when is_purchase then line_amount else 0 end) as decimal(18, 2)) as purchases,
        cast(sum(case when is_cancellation then line_amount else 0 end) as decimal(18, 2)) as cancellations,
        cast(sum(case when not is_purchase and not is_cancellation then line_amount else 0 end)
            as decimal(18, 2)) as other,
        cast(sum(line_amount) as decimal(18, 2)) as revenue,
        count(distinct invoice_no) as invoices,
        count(distinct customer_id) as customers
    from order_lines
    group by date_trunc('MONTH', invoiced_at)
)

select * from final
