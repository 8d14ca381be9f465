"""make bench: speed and memory targets (python -m benchmarks.run)."""
