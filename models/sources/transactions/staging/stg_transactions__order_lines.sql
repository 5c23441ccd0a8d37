-- Rule 1 for the transactions source: the mapped columns in the order-line rules' names
-- (models/order_lines/). Without an order id, a customer's purchases of one day are one order.
-- Whole orders (an amount rather than quantity x unit price) become one line of quantity 1, or -1
-- for a return, priced at the absolute amount: quantity x unit_price is the amount.
with source as (
    select * from {{ source('transactions', 'lines') }}
    where reject_reason is null
),

standardized as (
    select
        coalesce(order_id, concat(customer_id, '@', date_format(ordered_at, 'yyyy-MM-dd'))) as invoice_no,
        upper(product_id) as stock_code,
        description,
        case
            when amount is null then quantity
            when amount < 0 then -1
            else 1
        end as quantity,
        ordered_at as invoiced_at,
        coalesce(abs(amount), unit_price) as unit_price,
        customer_id,
        country,
        source_file
    from source
)

select * from standardized
