-- The common interface of both sources: one row per purchase event, whatever the data was.
--   online_retail   every kept order line (matched cancellations negative; postage and fees
--                   flagged is_merchandise = false: they date the data but never count in RFM)
--   amazon_reviews  every kept verified review: quantity 1 at the item's price
-- fct_customer_rfm, the ml step and every mart after it read this, not a source's own tables.
{{ config(materialized='view') }}

{%- if var('data_source') == 'amazon_reviews' %}
select
    user_id as customer_id,
    review_id as order_id,
    reviewed_at as event_at,
    parent_asin as product_id,
    1 as quantity,
    cast(unit_price as decimal(18, 4)) as unit_price,
    cast(unit_price as decimal(18, 4)) as line_amount,
    true as is_merchandise,
    source_file
from {{ ref('int_amazon_reviews__reviews_classified') }}
where removal_reason is null
{%- else %}
select
    customer_id,
    invoice_no as order_id,
    invoiced_at as event_at,
    stock_code as product_id,
    quantity,
    unit_price,
    line_amount,
    is_merchandise,
    source_file
from {{ ref('fct_order_lines') }}
{%- endif %}
