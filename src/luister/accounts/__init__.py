"""Accounts: server-side web sessions, sign-in with back-off, passwords, and what administrators do
about them. ``actions`` changes state (with an audit row), ``read`` reads, ``throttle`` is the pure rule."""
