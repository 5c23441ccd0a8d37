-- Customers, invoices and revenue per country, from the clean fact (revenue = net line amounts:
-- purchases less matched cancellations, non-merchandise lines included as invoiced).
with order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

final as (
    select
        country,
        count(distinct customer_id) as customers,
        count(distinct invoice_no) as invoices,
        count(*) as order_lines,
        cast(sum(line_amount) as decimal(18, 2)) as revenue,
        round(sum(line_amount) / sum(sum(line_amount)) over (), 4) as revenue_share
    from order_lines
    group by country
)

select * from final
