"""`segments generate`: synthetic input files for tests and benchmarks at any size."""

from segments.generate.amazon_writer import AmazonReviewsOptions, AmazonReviewsResult, generate_amazon_reviews
from segments.generate.writer import GenerateOptions, generate_online_retail

__all__ = [
    "AmazonReviewsOptions", "AmazonReviewsResult", "GenerateOptions", "generate_amazon_reviews",
    "generate_online_retail",
]
