-- The inventory view: per merchandise product, units sold and cancelled, revenue, customers and
-- the cancellation rate (cancelled units / sold units), from the clean fact.
-- Customers come from dim_products: whether a line is merchandise depends on its stock code alone
-- (rule 4), so a product's customers are the same over its merchandise lines as over all its lines,
-- and a second count(distinct) over the fact (a shuffle of every customer x product) is saved.
with order_lines as (
    select * from {{ ref('fct_order_lines') }}
    where is_merchandise and stock_code is not null  -- a source without product ids has no products
),

products as (
    select * from {{ ref('dim_products') }}
),

per_product as (
    select
        stock_code,
        cast(sum(case when is_purchase then quantity else 0 end) as decimal(18, 2)) as units_sold,
        cast(-sum(case when is_cancellation then quantity else 0 end) as decimal(18, 2)) as units_cancelled,
        cast(sum(line_amount) as decimal(18, 2)) as revenue,
        count(case when is_purchase then 1 end) as purchase_lines,
        count(case when is_cancellation then 1 end) as cancellation_lines
    from order_lines
    group by stock_code
),

final as (
    select
        per_product.stock_code,
        products.description,
        per_product.units_sold,
        per_product.units_cancelled,
        per_product.revenue,
        products.customers,
        per_product.purchase_lines,
        per_product.cancellation_lines,
        round(per_product.units_cancelled / nullif(per_product.units_sold, 0), 4) as cancellation_rate
    from per_product
    left join products
        on per_product.stock_code = products.stock_code
)

select * from final
