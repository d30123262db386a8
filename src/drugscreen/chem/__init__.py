"""Everything RDKit touches: molecule readers, fingerprint specs, fingerprints, fingerprint files."""
