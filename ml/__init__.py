"""Customer segmentation with Spark MLlib: K-Means on RFM features, k selection, segment names.

Reads `analytics.fct_customer_rfm` from a SparkSession (the embedded one or a Spark Connect one) and
writes the `ml_*` tables back to the warehouse; nothing proportional to the customer count is
collected to the driver.
"""
