-- Rule 3, exact duplicates over the eight standardized columns (customer id as filled): keep one
-- (rule remove_duplicates; when it is off, every copy is kept).
-- The surviving line gets the key of fct_order_lines, a hash of those eight columns (and of its copy
-- number, for the copies kept when the rule is off).
-- Every line of the view int_order_lines_customer_filled comes through, so the lines rule 2
-- removed are kept here with their reason (removed_order_lines reads them from this table). They
-- have no customer id and every other line has one, so they never share a window with a kept line.
{%- set line_columns = [
    'invoice_no', 'stock_code', 'description', 'quantity',
    'invoiced_at', 'unit_price', 'customer_id', 'country'
] %}

with order_lines as (
    select * from {{ ref('int_order_lines_customer_filled') }}
),

numbered as (
    select
        *,
        row_number() over (
            partition by
                invoice_no, stock_code, description, quantity,
                invoiced_at, unit_price, customer_id, country
            order by source_file
        ) as copy_number
    from order_lines
),

final as (
    select
        case
            when copy_number = 1
                then {{ surrogate_key(line_columns) }}
            else {{ surrogate_key(line_columns + ['copy_number']) }}
        end as order_line_id,
        invoice_no,
        stock_code,
        description,
        quantity,
        invoiced_at,
        unit_price,
        customer_id,
        country,
        source_file,
        is_customer_id_filled,
        coalesce(
            removal_reason,
            case when copy_number > 1 and {{ cleaning_rule('remove_duplicates') }} then 'duplicate' end
        ) as removal_reason
    from numbered
)

select * from final
