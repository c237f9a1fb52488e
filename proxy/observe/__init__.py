"""Observability: JSON logs, Prometheus metrics, tracing setup."""
