"""The conformance harness: check-peer, the reference peer, vectors, fuzzing."""
