"""The soak with faults: python -m bench.soak (see __main__.py)."""
