-- The kept order lines hold what the rules that ran promise: with price imputation, no merchandise
-- line priced 0; with cancellation matching, a merchandise line is negative exactly when it is a
-- matched cancellation. Returns the lines that break one. Built with the order-line sources only.
{{ config(enabled=var('data_source', 'online_retail') in ['online_retail', 'transactions']) }}

select
    order_line_id,
    unit_price,
    quantity,
    is_matched_cancellation
from {{ ref('fct_order_lines') }}
where
    is_merchandise
    and (
        (unit_price = 0 and {{ cleaning_rule('impute_zero_prices') }})
        or ((quantity < 0) != is_matched_cancellation and {{ cleaning_rule('match_cancellations') }})
    )
