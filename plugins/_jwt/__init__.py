"""Helpers of the ``jwt`` and ``token_issuer`` plugins: key handling, JWKS, verification.

Not a plugin: the plugins import it, which the one-module-per-plugin rule allows for
helpers. Splitting keeps each plugin module about one job (options and hooks).
"""
