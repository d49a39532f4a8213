"""Wires the layers together: the `crm` CLI, the pipeline steps and the Dagster definitions."""
