-- EDA, before cleaning: how many distinct products, customers, countries and invoices the loaded
-- lines hold, and the period they cover (one row; exact counts).
-- One small query per distinct count, each reading a single column: Spark plans several
-- count(distinct) in one select by copying every line once per counted column.
with order_lines as (
    select * from {{ ref('stg_' ~ var('data_source') ~ '__order_lines') }}
),

totals as (
    select
        count(*) as order_lines,
        min(invoiced_at) as first_invoiced_at,
        max(invoiced_at) as last_invoiced_at
    from order_lines
),

{%- for column, alias in [('stock_code', 'products'), ('customer_id', 'customers'), ('country', 'countries')] %}

{{ alias }} as (
    select count({{ column }}) as {{ alias }}
    from (select distinct {{ column }} from order_lines) as distinct_values
),
{%- endfor %}

invoices as (
    select
        count(invoice_no) as invoices,
        count(case when invoice_no like 'C%' then 1 end) as cancellation_invoices
    from (select distinct invoice_no from order_lines) as distinct_invoices
),

final as (
    select
        totals.order_lines,
        products.products,
        customers.customers,
        countries.countries,
        invoices.invoices,
        invoices.cancellation_invoices,
        totals.first_invoiced_at,
        totals.last_invoiced_at
    from totals
    cross join products
    cross join customers
    cross join countries
    cross join invoices
)

select * from final
