"""Benchmarks (not part of the product or the tests): the figures of docs/benchmarks.md, run by `crm bench`.

The product never imports this package; orchestration/cli.py loads its commands only when `crm bench` runs.
"""
