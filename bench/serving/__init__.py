"""The request benchmark: ``python -m bench.serving`` (see bench/README.md)."""
