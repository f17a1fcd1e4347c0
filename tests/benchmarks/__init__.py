"""Benchmarks, run as modules (`python -m tests.benchmarks.reader`); pytest does not collect them."""
