"""The record of processing covers every table, and names only columns that exist."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from luister.privacy import record_of_processing
from luister.storage.tables import metadata


def test_every_table_of_the_schema_is_recorded() -> None:
    text = record_of_processing(metadata)
    assert all(f"| `{name}` |" in text for name in metadata.tables)
    assert "`author_handle`" in text and "`retention_audit_days`" in text


def test_a_new_table_without_a_purpose_fails_the_docs() -> None:
    extra = sa.MetaData()
    sa.Table("shadow_profile", extra, sa.Column("id", sa.Integer, primary_key=True))
    with pytest.raises(KeyError, match="shadow_profile"):
        record_of_processing(extra)
