-- The cancellation figures behind rule 6, checking the seed analysis's two assumptions: that a
-- cancellation cancels an earlier purchase of the same quantity, and how common cancellations are.
-- Computed over the lines that reached rule 6 (after rules 2-5).
with order_lines as (
    select * from {{ ref('int_order_lines_cancellations_matched') }}
    -- the table also keeps the lines rule 5 removed
    where removal_reason is null or removal_reason = 'unmatched_cancellation'
),

figures as (
    select
        count(distinct invoice_no) as invoices,
        -- UCI numbers a cancellation invoice C...; another source's cancellations are its negative lines
        count(distinct case
            when {{ cleaning_rule('order_prefix_cancellations') }}
                then case when invoice_no like 'C%' then invoice_no end
            when is_cancellation then invoice_no
        end) as cancellation_invoices,
        count(case when is_merchandise and is_cancellation then 1 end) as cancellation_lines,
        count(case when is_matched_cancellation then 1 end) as matched_cancellation_lines,
        count(case when removal_reason = 'unmatched_cancellation' then 1 end) as unmatched_cancellation_lines,
        count(case when has_same_quantity_purchase then 1 end) as same_quantity_purchase_lines
    from order_lines
),

final as (
    select
        invoices,
        cancellation_invoices,
        round(cancellation_invoices / nullif(invoices, 0), 4) as cancellation_invoice_share,
        cancellation_lines,
        matched_cancellation_lines,
        unmatched_cancellation_lines,
        same_quantity_purchase_lines,
        round(same_quantity_purchase_lines / nullif(cancellation_lines, 0), 4) as same_quantity_purchase_share
    from figures
)

select * from final
