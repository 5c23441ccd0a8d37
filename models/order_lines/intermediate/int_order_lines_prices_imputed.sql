-- Rule 5, prices: a merchandise line priced 0 takes the most frequent positive price of its stock
-- code over purchase (non-cancellation) lines (ties: the lowest price). Without such a price the
-- line is removed, as is any line with a negative price. With rule impute_zero_prices off, a line
-- priced 0 is kept as it is (a free item is a purchase).
-- A view: int_order_lines_cancellations_matched reads it in the same query and keeps the lines
-- removed here, with their reason, and carries the tests of this rule. The lines are not written
-- out once more between the two rules (5M lines: dbt build 121.0 and 123.7 s against 130.2 and
-- 130.6 s, alternated).
{{ config(materialized='view') }}

with order_lines as (
    select * from {{ ref('int_order_lines_classified') }}
),

modal_prices as (
    {{ most_frequent(
        'order_lines', 'stock_code', 'unit_price', value_alias='modal_unit_price',
        where='unit_price > 0 and not is_cancellation'
    ) }}
),

-- modal_prices has one row per stock code, but Spark estimates an aggregate of the lines as big as
-- the lines and sort-merge joined: every line shuffled and sorted by stock code. The hint sends
-- the modal prices to every task instead (50M lines: the query took 30-35 s instead of 51-63 s).
imputed as (
    select /*+ broadcast(modal_prices) */
        order_lines.order_line_id,
        order_lines.invoice_no,
        order_lines.stock_code,
        order_lines.description,
        order_lines.quantity,
        order_lines.invoiced_at,
        case
            when order_lines.is_merchandise and order_lines.unit_price = 0 and {{ cleaning_rule('impute_zero_prices') }}
                then modal_prices.modal_unit_price
            else order_lines.unit_price
        end as unit_price,
        order_lines.unit_price as original_unit_price,
        order_lines.customer_id,
        order_lines.country,
        order_lines.source_file,
        order_lines.is_customer_id_filled,
        order_lines.is_merchandise,
        order_lines.non_merchandise_category,
        order_lines.is_cancellation,
        coalesce(
            order_lines.is_merchandise
            and order_lines.unit_price = 0
            and modal_prices.modal_unit_price is not null
            and {{ cleaning_rule('impute_zero_prices') }},
            false
        ) as is_price_imputed
    from order_lines
    left join modal_prices
        on order_lines.stock_code = modal_prices.stock_code
),

final as (
    select
        *,
        case
            when original_unit_price < 0 then 'negative_price'
            when unit_price is null then 'zero_price_unresolved'
            when is_merchandise and unit_price = 0 and {{ cleaning_rule('impute_zero_prices') }}
                then 'zero_price_unresolved'
        end as removal_reason
    from imputed
)

select * from final
