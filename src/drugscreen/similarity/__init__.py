"""Similarity search: the fingerprint database (storage), the search engine, similarity matrices."""
