-- The backtest's two periods, one row: calibration up to and including calibration_end, holdout
-- after it up to and including holdout_end (var backtest_holdout_end, else the last purchase day).
-- holdout_length is in the value models' time unit: the horizon of the predictions compared.
{%- set unit = var('value_time_unit') %}

with bounds as (
    select
        min(to_date(event_at)) as first_purchase_date,
        max(to_date(event_at)) as last_purchase_date
    from {{ ref('fct_purchases') }}
    where is_merchandise and quantity > 0
),

periods as (
    select
        first_purchase_date,
        last_purchase_date,
        {{ backtest_date('backtest_calibration_end') }} as calibration_end,
        {%- if var('backtest_holdout_end') %}
        {{ backtest_date('backtest_holdout_end') }} as holdout_end
        {%- else %}
        last_purchase_date as holdout_end
        {%- endif %}
    from bounds
)

select
    first_purchase_date,
    last_purchase_date,
    calibration_end,
    holdout_end,
    datediff(holdout_end, calibration_end) as holdout_days,
    datediff(holdout_end, calibration_end) / {{ days_per_time_unit(unit) }} as holdout_length,
    '{{ unit }}' as time_unit
from periods
