-- Rule 8, RFM per customer with at least one merchandise purchase, from fct_purchases (either
-- source: an order is an invoice, or a review).
--   as_of_date   : var rfm_as_of_date, else the day after the last event in fct_purchases
--   recency_days : days from the customer's last purchase date to the as-of date
--   frequency    : distinct orders with a purchase (quantity > 0)
--   monetary     : capped quantity x capped price over merchandise lines, matched cancellations
--                  included, floored at 0 and rounded to 2 decimals
-- Only lines before the as-of date count, and with var rfm_window_days only the last N days.
-- Purchases are first aggregated per order so that customers aggregate orders, not lines.
{%- set as_of = var('rfm_as_of_date') %}

{{ customer_rfm(
    ref('fct_purchases'),
    ref('dim_customers'),
    "cast('" ~ as_of ~ "' as date)" if as_of else none,
    var('rfm_window_days')
) }}
