"""The organisation behind social business: policy, processes and responsibilities (issue #32)."""
