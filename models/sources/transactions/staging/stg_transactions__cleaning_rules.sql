-- The order-line cleaning rules (models/order_lines/) that run for this mapping, as the ingest
-- recorded them; order ids starting with C are the UCI convention, not a user's.
with recorded as (
    select
        rule,
        is_applied,
        skipped_because
    from {{ source('transactions', 'rules') }}
),

uci_only as (
    select
        'order_prefix_cancellations' as rule,
        false as is_applied,
        'the UCI Online Retail convention only' as skipped_because
)

select * from recorded
union all
select * from uci_only
