-- Customers, invoices and revenue per country, from the clean fact (revenue = net line amounts:
-- purchases less matched cancellations, non-merchandise lines included as invoiced).
-- It reads the lines summed per invoice, so the distinct counts run over invoices, not lines.
with invoices as (
    select * from {{ ref('int_order_invoices') }}
),

final as (
    select
        country,
        count(distinct customer_id) as customers,
        count(distinct invoice_no) as invoices,
        sum(order_lines) as order_lines,
        cast(sum(amount) as decimal(18, 2)) as revenue,
        round(sum(amount) / sum(sum(amount)) over (), 4) as revenue_share
    from invoices
    group by country
)

select * from final
