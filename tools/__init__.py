"""The scripts behind the make targets (run as python -m tools.NAME from the repository root)."""
