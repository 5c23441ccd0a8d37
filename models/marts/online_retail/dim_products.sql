-- One row per stock code with at least one kept line: its most frequent description and price,
-- whether it is merchandise, and how much of it sold.
with order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

descriptions as (
    {{ most_frequent('order_lines', 'stock_code', 'description') }}
),

list_prices as (
    {{ most_frequent('order_lines', 'stock_code', 'original_unit_price', value_alias='list_price',
                     where='is_purchase and original_unit_price > 0') }}
),

sales as (
    select
        stock_code,
        max(is_merchandise) as is_merchandise,
        max(non_merchandise_category) as non_merchandise_category,
        count(*) as order_lines,
        sum(case when is_purchase then original_quantity else 0 end) as units_purchased,
        sum(case when is_matched_cancellation then -original_quantity else 0 end) as units_cancelled,
        count(distinct customer_id) as customers,
        min(invoiced_at) as first_sold_at,
        max(invoiced_at) as last_sold_at
    from order_lines
    group by 1
),

final as (
    select
        sales.stock_code,
        descriptions.description,
        sales.is_merchandise,
        sales.non_merchandise_category,
        list_prices.list_price,
        sales.order_lines,
        sales.units_purchased,
        sales.units_cancelled,
        sales.customers,
        sales.first_sold_at,
        sales.last_sold_at
    from sales
    left join descriptions
        on sales.stock_code = descriptions.stock_code
    left join list_prices
        on sales.stock_code = list_prices.stock_code
)

select * from final
