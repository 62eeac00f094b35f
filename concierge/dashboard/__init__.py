"""The coordinator dashboard: read-only queries and views that call `actions/`."""
