-- The buy-till-you-die summary at the backtest's calibration end (as customer_btyd_summary).
{{ btyd_summary(ref('fct_purchases'), backtest_date('backtest_calibration_end')) }}
