-- Rule: placeholders ('None', 'N/A', '' ...) become null; the published timestamp (Unix
-- milliseconds) becomes reviewed_at. One row per loaded review line.
with source as (
    select * from {{ source('amazon_reviews', 'reviews') }}
    -- rejected lines are in the same raw table; stg_amazon_reviews__rejected_rows has them
    where reject_reason is null
),

standardized as (
    select
        {{ null_if_placeholder('user_id') }} as user_id,
        {{ null_if_placeholder('parent_asin') }} as parent_asin,
        {{ null_if_placeholder('asin') }} as asin,
        timestamp_millis(`timestamp`) as reviewed_at,
        `timestamp` as timestamp_ms,
        rating,
        {{ null_if_placeholder('title') }} as title,
        {{ null_if_placeholder('text') }} as text,
        images,
        helpful_vote,
        verified_purchase,
        source_file
    from source
)

select * from standardized
