-- One row per stock code with at least one kept line: its most frequent description and price,
-- whether it is merchandise, and how much of it sold.
with order_lines as (
    select * from {{ ref('fct_order_lines') }}
    where stock_code is not null  -- a source without product ids has no products
),

descriptions as (
    {{ most_frequent('order_lines', 'stock_code', 'description') }}
),

list_prices as (
    {{ most_frequent('order_lines', 'stock_code', 'original_unit_price', value_alias='list_price',
                     where='is_purchase and original_unit_price > 0') }}
),

-- a stock code's category is the seed's (rule 4 joins it to every line of the code): taking it from
-- the seed rather than max() over the lines keeps the aggregate below hash-based; a string max()
-- would make Spark sort every line by stock code and customer
non_merchandise as (
    select stock_code, category from {{ ref('non_merchandise_stock_codes') }}
),

sales as (
    select
        stock_code,
        max(is_merchandise) as is_merchandise,
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
        non_merchandise.category as non_merchandise_category,
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
    left join non_merchandise
        on sales.stock_code = non_merchandise.stock_code
)

select * from final
