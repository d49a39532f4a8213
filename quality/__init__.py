"""Data-quality gate: Great Expectations suites over the warehouse, with a severity per expectation."""
