"""`segments generate`: synthetic input files for tests and benchmarks at any size."""

from segments.generate.writer import GenerateOptions, generate_online_retail

__all__ = ["GenerateOptions", "generate_online_retail"]
