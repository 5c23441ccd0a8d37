-- Amazon Reviews' customers for dim_customers: one row per reviewer with a kept review. Reviews
-- name no country (null), and an order is a review. A view: dim_customers reads it in the same query.
{{ config(materialized='view') }}

select
    customer_id,
    cast(null as string) as country,
    min(event_at) as first_invoiced_at,
    max(event_at) as last_invoiced_at,
    count(*) as invoices,
    count(*) as purchase_invoices,
    cast(0 as bigint) as cancellation_invoices,
    count(*) as order_lines,
    cast(0 as bigint) as countries
from {{ ref('int_amazon_reviews__purchases') }}
group by 1
