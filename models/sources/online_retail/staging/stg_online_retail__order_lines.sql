-- Rule 1, standardize: trim strings, upper-case stock codes, empty strings to null and customer ids
-- as integer text ('17850.0' -> '17850'). Renames and casts only.
with source as (
    select * from {{ source('online_retail', 'order_lines') }}
    -- rejected lines are in the same raw table; stg_online_retail__rejected_lines has them
    where reject_reason is null
),

standardized as (
    select
        nullif(trim(invoice_no), '') as invoice_no,
        nullif(upper(trim(stock_code)), '') as stock_code,
        nullif(trim(description), '') as description,
        quantity,
        invoice_date as invoiced_at,
        unit_price,
        -- ingest only admits digits with an optional '.0' tail
        cast(cast(nullif(trim(customer_id), '') as decimal(20, 0)) as string) as customer_id,
        nullif(trim(country), '') as country,
        source_file
    from source
)

select * from standardized
