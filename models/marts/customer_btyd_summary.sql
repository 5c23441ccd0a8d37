-- The buy-till-you-die summary per customer with a purchase by the calibration end, in the
-- conventions of lifetimes' summary_data_from_transaction_data, in the time unit var value_time_unit:
--   a purchase day : a day with at least one merchandise purchase line; one day's lines are merged
--   frequency      : purchase days after the first (x)
--   recency        : first to last purchase day (t_x)
--   T              : first purchase day to the calibration end
--   monetary_value : spend of the days after the first purchase day over frequency; 0 when x = 0
-- calibration_end: var value_calibration_end (purchases on or before it count), else the RFM as-of
-- date. Spend is before IQR capping (capping is for the segments, not these models). A matched
-- cancellation nets its own day's spend; a day with only returns is no purchase, but its refund
-- counts in the repeat spend.
{%- set calibration_end = var('value_calibration_end') %}
{%- if calibration_end %}
{{ btyd_summary(ref('fct_purchases'), "cast('" ~ calibration_end ~ "' as date)") }}
{%- else %}
{{ btyd_summary(ref('fct_purchases'), "(select max(as_of_date) from " ~ ref('fct_customer_rfm') ~ ")") }}
{%- endif %}
