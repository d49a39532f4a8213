"""Dagster assets: one per box of the data flow."""
