"""`segments-dev generate`: synthetic input files for tests and benchmarks at any size."""

from tools.generate.amazon_writer import AmazonReviewsOptions, AmazonReviewsResult, generate_amazon_reviews
from tools.generate.writer import GenerateOptions, generate_online_retail

__all__ = [
    "AmazonReviewsOptions",
    "AmazonReviewsResult",
    "GenerateOptions",
    "generate_amazon_reviews",
    "generate_online_retail",
]
