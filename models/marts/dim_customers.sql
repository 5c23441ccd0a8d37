-- One row per customer with at least one kept line. Country: the customer's most frequent country
-- over their lines (ties: alphabetical first).
with order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

countries as (
    {{ most_frequent('order_lines', 'customer_id', 'country') }}
),

activity as (
    select
        customer_id,
        min(invoiced_at) as first_invoiced_at,
        max(invoiced_at) as last_invoiced_at,
        count(distinct invoice_no) as invoices,
        count(distinct case when is_purchase then invoice_no end) as purchase_invoices,
        count(distinct case when is_matched_cancellation then invoice_no end) as cancellation_invoices,
        count(*) as order_lines,
        count(distinct country) as countries
    from order_lines
    group by 1
),

final as (
    select
        activity.customer_id,
        countries.country,
        activity.first_invoiced_at,
        activity.last_invoiced_at,
        activity.invoices,
        activity.purchase_invoices,
        activity.cancellation_invoices,
        activity.order_lines,
        activity.countries
    from activity
    left join countries
        on activity.customer_id = countries.customer_id
)

select * from final
