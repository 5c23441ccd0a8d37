"""Developer tools, apart from the product: `segments-dev generate` (synthetic input of any size),
`segments-dev bench` (the pipeline measured at several sizes) and tools/benchmarks/ (`make bench`)."""
