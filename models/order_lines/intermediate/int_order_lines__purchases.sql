-- Online Retail's purchases for fct_purchases: every kept order line (matched cancellations
-- negative; postage and fees flagged is_merchandise = false: they date the data but never count
-- in RFM). A view: fct_purchases reads it in the same query.
{{ config(materialized='view') }}

select
    customer_id,
    invoice_no as order_id,
    invoiced_at as event_at,
    stock_code as product_id,
    quantity,
    unit_price,
    line_amount,
    uncapped_line_amount,
    is_merchandise,
    source_file
from {{ ref('fct_order_lines') }}
