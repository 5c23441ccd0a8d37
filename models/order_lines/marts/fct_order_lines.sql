-- The clean fact: one row per kept order line, after rules 1-7. Merchandise purchases, matched
-- cancellations (negative quantities) and non-merchandise lines (flagged) are all here.
with order_lines as (
    select * from {{ ref('int_order_lines_capped') }}
),

final as (
    select
        order_line_id,
        invoice_no,
        stock_code,
        description,
        customer_id,
        country,
        invoiced_at,
        to_date(invoiced_at) as invoice_date,
        quantity,
        unit_price,
        cast(quantity * unit_price as decimal(18, 4)) as line_amount,
        uncapped_line_amount,
        original_quantity,
        original_unit_price,
        is_merchandise,
        non_merchandise_category,
        is_cancellation,
        is_purchase,
        is_matched_cancellation,
        is_customer_id_filled,
        is_price_imputed,
        is_quantity_capped,
        is_unit_price_capped,
        source_file
    from order_lines
)

select * from final
