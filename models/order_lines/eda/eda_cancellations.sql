-- Cancellations before cleaning (the loaded lines): the share of invoices that are cancellations
-- (invoice number starting with C) by month and by country, and the figures behind the seed
-- analysis's two assumptions (from audit_cancellations, over the lines that reached rule 6).
-- Each row reads "cancellation_count of base_count (share)":
--   breakdown 'month' / 'country': cancellation invoices of all invoices in that month / country
--   breakdown 'assumption': the assumption tested, and how far the data bears it out
with order_lines as (
    select * from {{ ref('stg_' ~ var('data_source') ~ '__order_lines') }}
),

audit as (
    select * from {{ ref('audit_cancellations') }}
),

invoices as (
    select
        invoice_no,
        -- formatted once per invoice, not per line ('yyyy-MM' sorts like the dates it formats)
        date_format(min(invoiced_at), 'yyyy-MM') as invoice_month,
        min(country) as country,
        invoice_no like 'C%' as is_cancellation
    from order_lines
    group by invoice_no
),

by_month as (
    select
        'month' as breakdown,
        invoice_month as breakdown_value,
        count(*) as base_count,
        count(case when is_cancellation then 1 end) as cancellation_count
    from invoices
    group by invoice_month
),

by_country as (
    select
        'country' as breakdown,
        country as breakdown_value,
        count(*) as base_count,
        count(case when is_cancellation then 1 end) as cancellation_count
    from invoices
    group by country
),

assumptions as (
    select
        'assumption' as breakdown,
        'cancellation invoices are a small share of all invoices' as breakdown_value,
        invoices as base_count,
        cancellation_invoices as cancellation_count
    from audit
    union all
    select
        'assumption' as breakdown,
        'a cancellation line has an earlier purchase of the same quantity' as breakdown_value,
        cancellation_lines as base_count,
        same_quantity_purchase_lines as cancellation_count
    from audit
),

final as (
    select
        breakdown,
        breakdown_value,
        base_count,
        cancellation_count,
        round(cancellation_count / nullif(base_count, 0), 4) as share
    from (
        select * from by_month
        union all
        select * from by_country
        union all
        select * from assumptions
    ) as breakdowns
)

select * from final
