"""Helpers of the ``tracing`` plugin: the per-request trace, exporters, content capture."""
