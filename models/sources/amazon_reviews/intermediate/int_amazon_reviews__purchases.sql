-- Amazon Reviews' purchases for fct_purchases: every kept verified review, quantity 1 at the
-- item's price. A view: fct_purchases reads it in the same query.
{{ config(materialized='view') }}

select
    user_id as customer_id,
    review_id as order_id,
    reviewed_at as event_at,
    parent_asin as product_id,
    1 as quantity,
    cast(unit_price as decimal(18, 4)) as unit_price,
    cast(unit_price as decimal(18, 4)) as line_amount,
    cast(unit_price as decimal(18, 4)) as uncapped_line_amount,
    true as is_merchandise,
    source_file
from {{ ref('int_amazon_reviews__reviews_classified') }}
where removal_reason is null
