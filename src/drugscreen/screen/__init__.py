"""End-to-end screening jobs (today: the demo job on bundled data)."""
