-- Rule-based RFM: R, F and M scores 1-5 by quintiles, equal values always getting equal scores:
--   score = least(5, 1 + floor(5 * percent_rank()))
-- percent_rank gives tied values the same rank, so a block of ties never straddles two scores (a
-- plain ntile splits them, which left the seed analysis with no "New Customers" at all). Recency
-- ranks descending: the most recent customers score 5. The segment comes from rfm_segment_map.
{{ rfm_scores(ref('fct_customer_rfm'), ref('rfm_segment_map')) }}
