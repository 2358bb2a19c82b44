"""Every change to the knowledge base: articles written and edited (each edit a new version with its
note), translations linked, links to alerts, conversations and projects made and removed. Keyword
arguments only, an explicit ``actor`` and ``now``, one transaction with its audit row. On SQLite the
article's stems are written to the search table in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.organisation.knowledge import (
    ArticleProblem,
    ArticleText,
    Language,
    check_kind,
    check_language,
    check_slug,
    check_tags,
    check_target,
    check_text,
    document_stems,
    slug_of,
)
from luister.organisation.knowledge_read import UnknownArticle
from luister.organisation.knowledge_tables import SEARCH_TABLE, kb_article, kb_article_version, kb_link
from luister.services import audit
from luister.storage.unique import insert_new


class Taken(ArticleProblem):
    """A slug another article has."""


def _index(conn: Connection, article_id: int, text: ArticleText, language: Language) -> None:
    """SQLite only: the article's stems in the FTS5 table (PostgreSQL indexes the row itself)."""
    if conn.dialect.name == "postgresql":
        return
    conn.execute(sa.text(f"DELETE FROM {SEARCH_TABLE} WHERE rowid = :id"), {"id": article_id})
    title, tags, body = document_stems(text, language)
    conn.execute(
        sa.text(f"INSERT INTO {SEARCH_TABLE} (rowid, title, tags, body) VALUES (:id, :title, :tags, :body)"),
        {"id": article_id, "title": title, "tags": tags, "body": body},
    )


def _row(conn: Connection, article_id: int) -> Any:
    row = conn.execute(sa.select(kb_article).where(kb_article.c.id == article_id)).first()
    if row is None:
        raise UnknownArticle(f"no article #{article_id}")
    return row


def _original(conn: Connection, translation_of: int | None, language: Language) -> int | None:
    """The original a translation belongs to (a translation of a translation belongs to its original)."""
    if translation_of is None:
        return None
    other = conn.execute(sa.select(kb_article).where(kb_article.c.id == translation_of)).first()
    if other is None:
        raise ArticleProblem(
            "translation_of",
            f"no article #{translation_of} to translate",
            f"er is geen artikel #{translation_of} om te vertalen",
        )
    original = other.translation_of or other.id
    family = conn.execute(
        sa.select(kb_article.c.language).where(
            sa.or_(kb_article.c.id == original, kb_article.c.translation_of == original)
        )
    ).scalars()
    if language.value in set(family):
        raise ArticleProblem(
            "language",
            f"article #{original} already has a version in {language.value!r}",
            f"artikel #{original} heeft al een versie in {language.value!r}",
        )
    return int(original)


def create_article(
    *, engine: Engine, actor: str, now: datetime, kind: str, language: str, title: str, body: str,
    tags: Iterable[str] = (), slug: str | None = None, translation_of: int | None = None,
) -> int:  # fmt: skip
    """A new article, version 1; ``translation_of``: the article it translates (one per language)."""
    checked_kind, lang = check_kind(kind), check_language(language)
    text = check_text(title=title, body=body, tags=tags)
    clean_slug = check_slug(slug) if slug else slug_of(text.title)
    with engine.begin() as conn:
        original = _original(conn, translation_of, lang)
        values = {"slug": clean_slug, "kind": checked_kind.value, "language": lang.value,
                  "translation_of": original, "title": text.title, "body": text.body,
                  "tags": " ".join(text.tags), "version": 1, "created_by": actor, "created_at": now,
                  "updated_by": actor, "updated_at": now}  # fmt: skip
        made = insert_new(conn, kb_article.insert().values(**values).returning(kb_article.c.id))
        if made is None:
            raise Taken("slug", f"slug {clean_slug!r} is taken", f"slug {clean_slug!r} is al in gebruik")
        article_id = int(made[0][0])
        conn.execute(kb_article_version.insert().values(
            article_id=article_id, version=1, title=text.title, body=text.body, tags=values["tags"],
            note="", edited_by=actor, edited_at=now,
        ))  # fmt: skip
        _index(conn, article_id, text, lang)
        audit.record(conn, actor=actor, action="kb.article.create", target=str(article_id),
                     detail={"slug": clean_slug, "kind": checked_kind.value, "language": lang.value,
                             "translation_of": original})  # fmt: skip
    return article_id


def edit_article(
    *, engine: Engine, actor: str, now: datetime, article_id: int, title: str | None = None,
    body: str | None = None, tags: Iterable[str] | None = None, kind: str | None = None, note: str = "",
    expected_version: int | None = None,
) -> int:  # fmt: skip
    """A new version of the article with what changed (only the fields given); returns its number.
    ``expected_version``: refuse if someone saved another version since the editor opened it."""
    if len(note) > 500:
        raise ArticleProblem("note", "note: at most 500 characters", "notitie: hoogstens 500 tekens")
    with engine.begin() as conn:
        row = _row(conn, article_id)
        locked = conn.execute(
            kb_article.update().where(kb_article.c.id == article_id, kb_article.c.version == row.version)
            .values(version=row.version + 1, updated_by=actor, updated_at=now)
        )  # fmt: skip
        if locked.rowcount != 1 or (expected_version is not None and expected_version != row.version):
            raise ArticleProblem(
                "version",
                f"article #{article_id} changed meanwhile (now version {row.version}); reload it",
                f"artikel #{article_id} is intussen gewijzigd (nu versie {row.version}); laad het opnieuw",
            )
        text = check_text(
            title=row.title if title is None else title, body=row.body if body is None else body,
            tags=check_tags(row.tags.split()) if tags is None else tags,
        )  # fmt: skip
        checked_kind = check_kind(row.kind if kind is None else kind)
        version = int(row.version) + 1
        conn.execute(kb_article.update().where(kb_article.c.id == article_id).values(
            title=text.title, body=text.body, tags=" ".join(text.tags), kind=checked_kind.value,
        ))  # fmt: skip
        conn.execute(kb_article_version.insert().values(
            article_id=article_id, version=version, title=text.title, body=text.body,
            tags=" ".join(text.tags), note=" ".join(note.split()), edited_by=actor, edited_at=now,
        ))  # fmt: skip
        _index(conn, article_id, text, Language(row.language))
        changed = [f for f, new, old in (("title", text.title, row.title), ("body", text.body, row.body),
                                         ("tags", " ".join(text.tags), row.tags),
                                         ("kind", checked_kind.value, row.kind)) if new != old]  # fmt: skip
        audit.record(conn, actor=actor, action="kb.article.edit", target=str(article_id),
                     detail={"version": version, "changed": changed, "note": note[:200]})  # fmt: skip
    return version


def delete_article(*, engine: Engine, actor: str, article_id: int) -> None:
    """The article, its versions and links; its translations stay, as originals of their own."""
    with engine.begin() as conn:
        row = _row(conn, article_id)
        heir = conn.execute(
            sa.select(sa.func.min(kb_article.c.id)).where(kb_article.c.translation_of == article_id)
        ).scalar()
        if heir is not None:  # the oldest translation becomes the others' original
            others = sa.and_(kb_article.c.translation_of == article_id, kb_article.c.id != heir)
            conn.execute(kb_article.update().where(others).values(translation_of=heir))
            conn.execute(kb_article.update().where(kb_article.c.id == heir).values(translation_of=None))
        conn.execute(kb_link.delete().where(kb_link.c.article_id == article_id))
        conn.execute(kb_article_version.delete().where(kb_article_version.c.article_id == article_id))
        conn.execute(kb_article.delete().where(kb_article.c.id == article_id))
        if conn.dialect.name != "postgresql":
            conn.execute(sa.text(f"DELETE FROM {SEARCH_TABLE} WHERE rowid = :id"), {"id": article_id})
        audit.record(conn, actor=actor, action="kb.article.delete", target=str(article_id),
                     detail={"slug": row.slug, "title": row.title})  # fmt: skip


def link(
    *, engine: Engine, actor: str, now: datetime, article_id: int, target_kind: str, target_key: str
) -> bool:
    """Tie the article to an alert rule or kind, a conversation's intent, department or tag, a project or
    a project kind; False when it was tied already."""
    kind, key = check_target(target_kind, target_key)
    with engine.begin() as conn:
        _row(conn, article_id)
        made = insert_new(conn, kb_link.insert().values(
            article_id=article_id, target_kind=kind.value, target_key=key, created_by=actor, created_at=now,
        ).returning(kb_link.c.article_id))  # fmt: skip
        if made is None:
            return False
        audit.record(conn, actor=actor, action="kb.link", target=str(article_id),
                     detail={"target_kind": kind.value, "target_key": key})  # fmt: skip
    return True


def unlink(*, engine: Engine, actor: str, article_id: int, target_kind: str, target_key: str) -> bool:
    kind, key = check_target(target_kind, target_key)
    with engine.begin() as conn:
        _row(conn, article_id)
        gone = conn.execute(kb_link.delete().where(
            kb_link.c.article_id == article_id, kb_link.c.target_kind == kind.value,
            kb_link.c.target_key == key,
        )).rowcount  # fmt: skip
        if gone:
            audit.record(conn, actor=actor, action="kb.unlink", target=str(article_id),
                         detail={"target_kind": kind.value, "target_key": key})  # fmt: skip
    return bool(gone)
