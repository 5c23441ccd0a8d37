-- One row per customer with at least one kept line: first and last purchase, invoices (orders),
-- lines and country. The source named by var data_source contributes it as
-- int_<source>__customers (models/sources/<source>/), with these columns.
select
    customer_id,
    country,
    first_invoiced_at,
    last_invoiced_at,
    invoices,
    purchase_invoices,
    cancellation_invoices,
    order_lines,
    countries
from {{ ref('int_' ~ var('data_source') ~ '__customers') }}
