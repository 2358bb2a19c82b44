"""Organising the social business (issue #32): maturity assessment, policy, training, knowledge."""
