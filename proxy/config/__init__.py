"""Loading, validating and describing sluicegate's TOML configuration."""
