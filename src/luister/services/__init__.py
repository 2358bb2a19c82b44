"""Use cases: keyword-only functions that orchestrate the domain and storage."""
