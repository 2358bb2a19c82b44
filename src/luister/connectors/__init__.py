"""Connectors: one declared plugin per platform, each yielding raw items and mapping them purely."""
