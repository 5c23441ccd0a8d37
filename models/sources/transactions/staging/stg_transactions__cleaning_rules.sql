-- The order-line cleaning rules (models/order_lines/) that run for this mapping, as the ingest
-- recorded them. A rule not listed does not run (the UCI convention that an order id starting with
-- C is a cancellation is Online Retail's only).
select
    rule,
    is_applied,
    skipped_because
from {{ source('transactions', 'rules') }}
