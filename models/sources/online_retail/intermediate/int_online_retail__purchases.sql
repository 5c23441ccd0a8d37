-- What the shared marts read from this source: the order-line rules' purchases (models/order_lines/).
{{ config(materialized='view') }}

select * from {{ ref('int_order_lines__purchases') }}  -- noqa: AM04
