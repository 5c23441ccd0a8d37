-- What the shared marts read from this source: the order-line rules' customers (models/order_lines/).
{{ config(materialized='view') }}

select * from {{ ref('int_order_lines__customers') }}  -- noqa: AM04
