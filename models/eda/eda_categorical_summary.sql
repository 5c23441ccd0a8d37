-- EDA, before cleaning: how many distinct products, customers, countries and invoices the loaded
-- lines hold, and the period they cover (one row; exact counts).
with order_lines as (
    select * from {{ ref('stg_online_retail__order_lines') }}
),

final as (
    select
        count(*) as order_lines,
        count(distinct stock_code) as products,
        count(distinct customer_id) as customers,
        count(distinct country) as countries,
        count(distinct invoice_no) as invoices,
        count(distinct case when invoice_no like 'C%' then invoice_no end) as cancellation_invoices,
        min(invoiced_at) as first_invoiced_at,
        max(invoiced_at) as last_invoiced_at
    from order_lines
)

select * from final
