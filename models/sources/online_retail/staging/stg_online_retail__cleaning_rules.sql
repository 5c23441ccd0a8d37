-- The order-line cleaning rules (models/order_lines/): Online Retail runs every one of them, and
-- an invoice starting with C is a cancellation (the UCI convention).
{{ config(materialized='view') }}

select
    rule,
    true as is_applied,
    cast(null as string) as skipped_because
from
    values
    ('fill_customer_from_order'),
    ('remove_duplicates'),
    ('flag_non_merchandise'),
    ('impute_zero_prices'),
    ('match_cancellations'),
    ('cap_outliers'),
    ('order_prefix_cancellations') as rules (rule)
