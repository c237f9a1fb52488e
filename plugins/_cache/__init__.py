"""Helpers of the ``cache`` plugin: request keys, HTTP cache semantics, entries, the LRU."""
