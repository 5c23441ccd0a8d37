-- Customers and units per merchandise product, from the clean fact: how widely each product sells.
with order_lines as (
    select * from {{ ref('fct_order_lines') }}
    -- a source without product ids has no products
    where is_merchandise and is_purchase and stock_code is not null
),

final as (
    select
        stock_code,
        count(distinct customer_id) as customers,
        cast(sum(quantity) as decimal(18, 2)) as units,  -- capped quantities can be fractional
        count(*) as purchase_lines
    from order_lines
    group by stock_code
)

select * from final
