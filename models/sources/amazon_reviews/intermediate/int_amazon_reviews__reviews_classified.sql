-- Every loaded review with the rule that removed it, or none (a purchase). In order:
--   placeholder_key    user_id or parent_asin is a placeholder
--   not_verified       var amazon_verified_only: only verified purchases count
--   duplicate_review   exact copy of another review (same value in every published field)
--   before_window      var amazon_window_months: older than N months before the latest review
--   item_not_found     no metadata for the parent_asin
--   price_missing / price_unparseable / price_not_positive   the item has no usable price
-- Each review is one purchase of quantity 1 at the item's price.
{%- set window_months = var('amazon_window_months') %}

with reviews as (
    select
        -- every published field: equal ids are exact duplicates, and a review's id as an order
        {{ surrogate_key(['user_id', 'parent_asin', 'asin', 'timestamp_ms', 'rating', 'title', 'text',
                          'images', 'helpful_vote', 'verified_purchase']) }} as review_id,
        user_id,
        parent_asin,
        asin,
        reviewed_at,
        rating,
        verified_purchase,
        source_file
    from {{ ref('stg_amazon_reviews__reviews') }}
),

early_rules as (
    select
        *,
        case
            when user_id is null or parent_asin is null then 'placeholder_key'
            {%- if var('amazon_verified_only') %}
            when not coalesce(verified_purchase, false) then 'not_verified'
            {%- endif %}
            when row_number() over (partition by review_id order by source_file) > 1 then 'duplicate_review'
        end as early_reason
    from reviews
),

latest as (
    select max(reviewed_at) as latest_review_at
    from early_rules
    where early_reason is null
),

items as (
    select * from {{ ref('int_amazon_reviews__items') }}
),

classified as (
    select
        early_rules.review_id,
        early_rules.user_id,
        early_rules.parent_asin,
        early_rules.asin,
        early_rules.reviewed_at,
        early_rules.rating,
        early_rules.verified_purchase,
        items.price_text,
        items.price_status,
        items.price as unit_price,
        early_rules.source_file,
        coalesce(
            early_rules.early_reason,
            case
                {%- if window_months %}
                when early_rules.reviewed_at <= latest.latest_review_at - interval {{ window_months | int }} months
                    then 'before_window'
                {%- endif %}
                when items.parent_asin is null then 'item_not_found'
                when items.price_status = 'missing' then 'price_missing'
                when items.price_status in ('range', 'text') then 'price_unparseable'
                when items.price_status = 'not_positive' then 'price_not_positive'
            end
        ) as removal_reason
    from early_rules
    cross join latest
    left join items
        on early_rules.parent_asin = items.parent_asin
)

select * from classified
