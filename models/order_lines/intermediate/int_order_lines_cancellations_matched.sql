-- Rule 6, cancellations: a merchandise cancellation is matched when the same customer bought the
-- same stock code at a strictly earlier time in a line of at least the cancelled quantity. Matched
-- ones stay, as negative quantities; unmatched ones are removed. With rule match_cancellations
-- off, every cancellation stays as it is.
-- Window functions over customer x stock code instead of a self-join: a running maximum of earlier
-- purchase quantities answers "is there an earlier line with quantity >= q" in one sort.
-- Rule 5 is a view read here: the lines it removed stay in this table with their reason (for
-- removed_order_lines) and take no part in the matching.
with order_lines as (
    select * from {{ ref('int_order_lines_prices_imputed') }}
    -- the windows need a customer's lines of one stock code together; shuffled by customer alone,
    -- every line of a customer lands in one partition, and so in one file of this table and of
    -- fct_order_lines: the per-invoice and per-customer models after them then sum most of a
    -- group within a task, and shuffle partial sums instead of lines
    distribute by customer_id
),

sequenced as (
    select
        *,
        removal_reason is null
        and is_merchandise
        and is_cancellation
        and {{ cleaning_rule('match_cancellations') }} as is_checked_cancellation,
        removal_reason is null and is_merchandise and not is_cancellation as is_purchase,
        -- microseconds, so that "1 preceding" in the frames below means strictly earlier
        unix_micros(invoiced_at) as invoiced_micros
    from order_lines
),

with_history as (
    select
        *,
        max(case when is_purchase then quantity end) over (
            partition by customer_id, stock_code
            order by invoiced_micros
            range between unbounded preceding and 1 preceding
        ) as largest_earlier_purchase_quantity,
        count(case when is_purchase then 1 end) over (
            partition by customer_id, stock_code, abs(quantity)
            order by invoiced_micros
            range between unbounded preceding and 1 preceding
        ) as earlier_same_quantity_purchases
    from sequenced
),

matched as (
    select
        *,
        (
            is_checked_cancellation
            and coalesce(largest_earlier_purchase_quantity >= abs(quantity), false)
        ) as is_matched_cancellation,
        is_checked_cancellation and earlier_same_quantity_purchases > 0 as has_same_quantity_purchase
    from with_history
),

final as (
    select
        order_line_id,
        invoice_no,
        stock_code,
        description,
        case when is_checked_cancellation then -abs(quantity) else quantity end as quantity,
        invoiced_at,
        unit_price,
        original_unit_price,
        customer_id,
        country,
        source_file,
        is_customer_id_filled,
        is_merchandise,
        non_merchandise_category,
        is_cancellation,
        is_price_imputed,
        is_purchase,
        is_matched_cancellation,
        has_same_quantity_purchase,
        quantity as original_quantity,
        coalesce(
            removal_reason,
            case when is_checked_cancellation and not is_matched_cancellation then 'unmatched_cancellation' end
        ) as removal_reason
    from matched
)

select * from final
