-- Rule 2, missing CustomerID: take it from another line of the same invoice (the customer named on
-- most of its lines, ties: the lowest id; rule fill_customer_from_order); lines still without one
-- are removed.
-- A view: int_order_lines_deduplicated reads it in the same query, and its window over the
-- invoice leaves the lines partitioned by invoice_no, which is all de-duplication's window
-- needs: the lines are shuffled once for both rules, and not written out in between (50M lines:
-- 154-159 s instead of 214-228 s for the two). That table keeps the lines removed here and tests them.
{{ config(materialized='view') }}

with order_lines as (
    select * from {{ ref('stg_' ~ var('data_source') ~ '__order_lines') }}
),

-- mode(..., true): the most frequent non-null id, ties to the lowest, like the most_frequent
-- macro, but as a window over the invoice: one shuffle of the lines instead of an aggregate
-- joined back to them
with_invoice_customer as (
    select
        *,
        mode(customer_id, true) over (partition by invoice_no) as invoice_customer_id
    from order_lines
),

filled as (
    select
        invoice_no,
        stock_code,
        description,
        quantity,
        invoiced_at,
        unit_price,
        coalesce(customer_id, case when {{ cleaning_rule('fill_customer_from_order') }} then invoice_customer_id end)
            as customer_id,
        country,
        source_file,
        customer_id is null
        and invoice_customer_id is not null
        and {{ cleaning_rule('fill_customer_from_order') }} as is_customer_id_filled
    from with_invoice_customer
),

final as (
    select
        *,
        case when customer_id is null then 'missing_customer_id' end as removal_reason
    from filled
)

select * from final
