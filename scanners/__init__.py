"""Content scanners the policy plugins call: one detector per module, no plugin imports."""
