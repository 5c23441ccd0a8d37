-- Rule 2, missing CustomerID: take it from another line of the same invoice (the customer named on
-- most of its lines, ties: the lowest id); lines still without one are removed.
with order_lines as (
    select * from {{ ref('stg_online_retail__order_lines') }}
),

invoice_customers as (
    {{ most_frequent('order_lines', 'invoice_no', 'customer_id', value_alias='invoice_customer_id') }}
),

filled as (
    select
        order_lines.invoice_no,
        order_lines.stock_code,
        order_lines.description,
        order_lines.quantity,
        order_lines.invoiced_at,
        order_lines.unit_price,
        coalesce(order_lines.customer_id, invoice_customers.invoice_customer_id) as customer_id,
        order_lines.country,
        order_lines.source_file,
        order_lines.customer_id is null
            and invoice_customers.invoice_customer_id is not null as is_customer_id_filled
    from order_lines
    left join invoice_customers
        on order_lines.invoice_no = invoice_customers.invoice_no
),

final as (
    select
        *,
        case when customer_id is null then 'missing_customer_id' end as removal_reason
    from filled
)

select * from final
