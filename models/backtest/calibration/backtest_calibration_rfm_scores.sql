-- The rule-based RFM segments of the calibration customers (as customer_rfm_scores).
{{ rfm_scores(ref('backtest_calibration_rfm'), ref('rfm_segment_map')) }}
