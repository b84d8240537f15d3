"""Benchmarks: one script per workload, each printing a table and one JSON document."""
