"""An example third-party sluicegate plugin package."""
