"""Drug combinations."""
