"""Benchmarks that drive the real window or Qt models (run through `python -m workbench.bench`)."""
