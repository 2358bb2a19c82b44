"""Persistence: SQLAlchemy tables, engine factory, migrations and the batch writer."""
