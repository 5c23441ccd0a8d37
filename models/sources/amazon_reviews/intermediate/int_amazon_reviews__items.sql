-- One row per parent_asin with its parsed price. Metadata that names a parent_asin twice (several
-- category files combined) keeps one row, preferring a usable price; items_listed says how many
-- rows there were, so the audit can count the extra ones.
with items as (
    select * from {{ ref('stg_amazon_reviews__items') }}
    where parent_asin is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by parent_asin
            order by case when price_status = 'parsed' then 0 else 1 end, source_file, price_text, title
        ) as listing,
        count(*) over (partition by parent_asin) as items_listed
    from items
)

select
    parent_asin,
    title,
    main_category,
    store,
    price_text,
    price,
    price_status,
    items_listed
from ranked
where listing = 1
