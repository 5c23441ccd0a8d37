-- Every item metadata line accounted for, and how the prices parsed: rejected at ingest (reason),
-- no parent_asin (a placeholder), an extra listing of a parent_asin already listed, or one item per
-- parent_asin with its price_status (parsed, missing, range, text, not_positive). `items` adds up
-- to the metadata lines read; `example` shows one published value of each kind.
with rejected as (
    select 'rejected' as outcome, reject_reason as reason, count(*) as items, min(substr(raw_line, 1, 200)) as example
    from {{ ref('stg_amazon_reviews__rejected_rows') }}
    where dataset = 'items'
    group by 1, 2
),

without_key as (
    select 'removed' as outcome, 'placeholder_parent_asin' as reason, count(*) as items, cast(null as string) as example
    from {{ ref('stg_amazon_reviews__items') }}
    where parent_asin is null
),

items as (
    select * from {{ ref('int_amazon_reviews__items') }}
),

extra_listings as (
    select
        'removed' as outcome,
        'duplicate_listing' as reason,
        coalesce(sum(items_listed - 1), 0) as items,
        cast(null as string) as example
    from items
),

prices as (
    select 'item' as outcome, concat('price_', price_status) as reason, count(*) as items, min(price_text) as example
    from items
    group by 1, 2
),

final as (
    select * from rejected
    union all
    select * from without_key
    union all
    select * from extra_listings
    union all
    select * from prices
)

select outcome, reason, cast(items as bigint) as items, example from final
