-- Rule: placeholders become null, then the price string is parsed ('$1,299.99' -> 1299.99); ranges
-- and text give no price, and price_status records why. One row per loaded metadata line.
with source as (
    select * from {{ source('amazon_reviews', 'items') }}
    where reject_reason is null
),

standardized as (
    select
        {{ null_if_placeholder('parent_asin') }} as parent_asin,
        {{ null_if_placeholder('title') }} as title,
        {{ null_if_placeholder('main_category') }} as main_category,
        {{ null_if_placeholder('store') }} as store,
        categories,
        average_rating,
        rating_number,
        {{ null_if_placeholder('price') }} as price_text,
        source_file
    from source
),

priced as (
    select
        *,
        {{ parse_price('price_text') }} as price,
        {{ price_status('price_text') }} as price_status
    from standardized
)

select * from priced
