-- Rule 7, IQR capping: merchandise values outside the bounds of int_iqr_bounds are replaced by the
-- bound; for cancellations the absolute quantity is capped and the sign kept. Non-merchandise lines
-- are never capped. The values before capping stay in original_quantity and original_unit_price, and the
-- line's amount before capping in uncapped_line_amount.
-- Null bounds (rule cap_outliers off) cap nothing: Spark's least and greatest skip nulls.
-- A view: a cross join with two one-row bounds costs less to recompute than to write out, and
-- fct_order_lines is the table that holds the result.
{{ config(materialized='view') }}
{%- set columns = iqr_capped_columns() %}

with order_lines as (
    select * from {{ ref('int_order_lines_cancellations_matched') }}
    where removal_reason is null
),

bounds as (
    select * from {{ ref('int_iqr_bounds') }}
),
{% for column in columns %}
{{ column }}_bounds as (
    select lower_bound, upper_bound from bounds
    where column_name = '{{ column }}'
),
{% endfor %}
capped as (
    select
        order_lines.order_line_id,
        order_lines.invoice_no,
        order_lines.stock_code,
        order_lines.description,
        order_lines.customer_id,
        order_lines.country,
        order_lines.invoiced_at,
        cast(
            {%- if 'quantity' in columns %}
            case
                when not order_lines.is_merchandise then order_lines.quantity
                when order_lines.quantity < 0
                    then -{{ capped('abs(order_lines.quantity)', 'quantity') }}
                else {{ capped('order_lines.quantity', 'quantity') }}
            end
            {%- else %}
            order_lines.quantity
            {%- endif %}
            as decimal(18, 4)
        ) as quantity,
        cast(
            {%- if 'unit_price' in columns %}
            case
                when not order_lines.is_merchandise then order_lines.unit_price
                else {{ capped('order_lines.unit_price', 'unit_price') }}
            end
            {%- else %}
            order_lines.unit_price
            {%- endif %}
            as decimal(18, 4)
        ) as unit_price,
        order_lines.original_quantity,
        order_lines.original_unit_price,
        -- before capping, after price imputation: the customer-value models read this spend
        cast(order_lines.quantity * order_lines.unit_price as decimal(18, 4)) as uncapped_line_amount,
        {%- if 'quantity' in columns %}
        coalesce(
            order_lines.is_merchandise
            and not abs(order_lines.quantity) between quantity_bounds.lower_bound and quantity_bounds.upper_bound,
            false
        )
        {%- else %}
        false
        {%- endif %} as is_quantity_capped,
        {%- if 'unit_price' in columns %}
        coalesce(
            order_lines.is_merchandise
            and not order_lines.unit_price between unit_price_bounds.lower_bound and unit_price_bounds.upper_bound,
            false
        )
        {%- else %}
        false
        {%- endif %} as is_unit_price_capped,
        order_lines.is_merchandise,
        order_lines.non_merchandise_category,
        order_lines.is_cancellation,
        order_lines.is_purchase,
        order_lines.is_matched_cancellation,
        order_lines.is_customer_id_filled,
        order_lines.is_price_imputed,
        order_lines.source_file
    from order_lines
    {% for column in columns %}
    cross join {{ column }}_bounds
    {% endfor %}
)

select * from capped
