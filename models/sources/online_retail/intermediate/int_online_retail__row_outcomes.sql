-- What the shared marts read from this source: the order-line rules' row_outcomes (models/order_lines/).
{{ config(materialized='view') }}

select * from {{ ref('int_order_lines__row_outcomes') }}  -- noqa: AM04
