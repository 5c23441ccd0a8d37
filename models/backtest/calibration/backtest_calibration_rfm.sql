-- RFM per customer on the purchases up to the backtest's calibration end only (as fct_customer_rfm,
-- with the day after the calibration end as the as-of date).
{{ customer_rfm(
    ref('fct_purchases'),
    ref('dim_customers'),
    "date_add(" ~ backtest_date('backtest_calibration_end') ~ ", 1)",
    var('rfm_window_days')
) }}
