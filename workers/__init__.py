"""RQ jobs (each takes ids and is safe to run twice), the worker and the periodic table."""
