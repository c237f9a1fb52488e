"""Upstream groups: providers, balancing, retries, circuit breakers, health and admission."""
