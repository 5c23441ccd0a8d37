-- The common interface of every source: one row per purchase event, whatever the data was
-- (an order line, a verified review...). The source named by var data_source contributes it as
-- int_<source>__purchases (models/sources/<source>/), with these columns.
-- fct_customer_rfm, the ml step and every mart after it read this, not a source's own tables.
{{ config(materialized='view') }}

select
    customer_id,
    order_id,
    event_at,
    product_id,
    quantity,
    unit_price,
    line_amount,
    uncapped_line_amount,
    is_merchandise,
    source_file
from {{ ref('int_' ~ var('data_source') ~ '__purchases') }}
