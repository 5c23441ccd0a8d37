-- Rule 4, non-merchandise lines (postage, fees, adjustments, vouchers...) are flagged from the
-- seed, never removed (rule flag_non_merchandise). Cancellations are flagged here too: a negative
-- quantity, or an invoice starting with C (rule order_prefix_cancellations).
-- A view: a join with a 16-row seed costs less to recompute than to write out.
{{ config(materialized='view') }}

with order_lines as (
    select * from {{ ref('int_order_lines_deduplicated') }}
    where removal_reason is null
),

non_merchandise as (
    select * from {{ ref('non_merchandise_stock_codes') }}
),

classified as (
    select
        order_lines.order_line_id,
        order_lines.invoice_no,
        order_lines.stock_code,
        order_lines.description,
        order_lines.quantity,
        order_lines.invoiced_at,
        order_lines.unit_price,
        order_lines.customer_id,
        order_lines.country,
        order_lines.source_file,
        order_lines.is_customer_id_filled,
        non_merchandise.stock_code is null or not {{ cleaning_rule('flag_non_merchandise') }} as is_merchandise,
        case when {{ cleaning_rule('flag_non_merchandise') }} then non_merchandise.category end
            as non_merchandise_category,
        (order_lines.invoice_no like 'C%' and {{ cleaning_rule('order_prefix_cancellations') }})
        or order_lines.quantity < 0 as is_cancellation
    from order_lines
    left join non_merchandise
        on order_lines.stock_code = non_merchandise.stock_code
)

select * from classified
