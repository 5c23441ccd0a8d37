-- Online Retail's customers for dim_customers: one row per customer with at least one kept line.
-- Country: the customer's most frequent country over their lines (ties: alphabetical first).
-- A view: dim_customers reads it in the same query.
{{ config(materialized='view') }}

with invoices as (
    -- the lines summed per invoice: the distinct counts run over invoices, not lines
    select * from {{ ref('int_order_invoices') }}
),

countries as (
    {{ most_frequent('invoices', 'customer_id', 'country', weight='order_lines') }}
),

activity as (
    select
        customer_id,
        min(first_invoiced_at) as first_invoiced_at,
        max(last_invoiced_at) as last_invoiced_at,
        count(distinct invoice_no) as invoices,
        count(distinct case when has_purchase then invoice_no end) as purchase_invoices,
        count(distinct case when has_matched_cancellation then invoice_no end) as cancellation_invoices,
        sum(order_lines) as order_lines,
        count(distinct country) as countries
    from invoices
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
