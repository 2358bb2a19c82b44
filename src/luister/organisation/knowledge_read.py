"""Reads of the knowledge base for the edges: the list, one article with its versions, translations and
links, search in Dutch and English with a ranking, and the articles related to an alert, a conversation or
a project. The knowledge base is the whole company's (the centre of excellence writes it for everyone):
it has no department scope.

Search, the same on both databases: a question's words (without Dutch and English stop words) match an
article's title, tags or body after stemming, any word enough; more and rarer words, and words in the
title and tags, rank higher. PostgreSQL stems with its 'dutch' and 'english' configurations and ranks with
``ts_rank`` (title 1.0, tags 0.4, body 0.1); SQLite matches the Snowball stems the actions store in an FTS5
table and ranks with ``bm25`` (title 10, tags 5, body 1). tests/integration/test_knowledge_search.py
holds both to the same questions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.organisation.knowledge import Target, query_stems, query_words
from luister.organisation.knowledge_tables import (
    SEARCH_DOCUMENT,
    SEARCH_TABLE,
    kb_article,
    kb_article_version,
    kb_link,
)

_ORDER = ("playbook", "holding_statement", "policy_faq", "lesson_learned", "project_evaluation")


class UnknownArticle(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Article:
    id: int
    slug: str
    kind: str
    language: str
    translation_of: int | None
    title: str
    body: str
    tags: list[str]
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime

    @property
    def family(self) -> int:
        """The original's id: an article and its translations share it."""
        return self.translation_of or self.id

    @property
    def summary(self) -> str:
        """The first paragraph of text, without Markdown's heading marks, at most 200 characters."""
        for block in self.body.split("\n\n"):
            text = " ".join(line.lstrip("#>*- ").strip() for line in block.splitlines()).strip()
            if text and not block.lstrip().startswith("#"):
                return text if len(text) <= 200 else text[:199].rstrip() + "…"
        return ""


@dataclass(frozen=True, slots=True)
class Version:
    version: int
    title: str
    body: str
    tags: list[str]
    note: str
    edited_by: str
    edited_at: datetime


@dataclass(frozen=True, slots=True)
class Link:
    target_kind: str
    target_key: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ArticleDetail:
    article: Article
    translations: list[Article]  # the same article in the other language(s)
    versions: list[Version]  # the newest first
    links: list[Link]


@dataclass(frozen=True, slots=True)
class Hit:
    article: Article
    rank: float  # higher is better; comparable within one search only


def _article(row: Any) -> Article:
    return Article(
        id=row.id, slug=row.slug, kind=row.kind, language=row.language, translation_of=row.translation_of,
        title=row.title, body=row.body, tags=row.tags.split(), version=row.version, created_by=row.created_by,
        created_at=row.created_at, updated_by=row.updated_by, updated_at=row.updated_at,
    )  # fmt: skip


def list_articles(
    *, engine: Engine, kind: str | None = None, language: str | None = None, tag: str | None = None
) -> list[Article]:
    """Articles by kind (playbooks first), then title."""
    query = sa.select(kb_article)
    if kind:
        query = query.where(kb_article.c.kind == kind)
    if language:
        query = query.where(kb_article.c.language == language)
    with engine.connect() as conn:
        found = [_article(r) for r in conn.execute(query)]
    if tag:
        found = [a for a in found if tag.lower().lstrip("#") in a.tags]
    return sorted(found, key=lambda a: (_rank_of_kind(a.kind), a.title.lower(), a.id))


def _rank_of_kind(kind: str) -> int:
    return _ORDER.index(kind) if kind in _ORDER else len(_ORDER)


def article_id_of(*, engine: Engine, ref: str) -> int:
    """An article's id from its id or its slug."""
    with engine.connect() as conn:
        if ref.isdigit() and int(ref) < 2**63:
            found = conn.execute(sa.select(kb_article.c.id).where(kb_article.c.id == int(ref))).scalar()
        else:
            found = conn.execute(sa.select(kb_article.c.id).where(kb_article.c.slug == ref.lower())).scalar()
    if found is None:
        raise UnknownArticle(f"no article {ref[:80]!r}")
    return int(found)


def detail(*, engine: Engine, article_id: int) -> ArticleDetail:
    with engine.connect() as conn:
        row = conn.execute(sa.select(kb_article).where(kb_article.c.id == article_id)).first()
        if row is None:
            raise UnknownArticle(f"no article #{article_id}")
        article = _article(row)
        family = conn.execute(
            sa.select(kb_article).where(
                sa.or_(kb_article.c.id == article.family, kb_article.c.translation_of == article.family),
                kb_article.c.id != article.id,
            ).order_by(kb_article.c.language)
        )  # fmt: skip
        translations = [_article(r) for r in family]
        versions = [
            Version(r.version, r.title, r.body, r.tags.split(), r.note, r.edited_by, r.edited_at)
            for r in conn.execute(sa.select(kb_article_version)
                                  .where(kb_article_version.c.article_id == article_id)
                                  .order_by(kb_article_version.c.version.desc()))
        ]  # fmt: skip
        links = [
            Link(r.target_kind, r.target_key, r.created_by, r.created_at)
            for r in conn.execute(sa.select(kb_link).where(kb_link.c.article_id == article_id)
                                  .order_by(kb_link.c.target_kind, kb_link.c.target_key))
        ]  # fmt: skip
    return ArticleDetail(article, translations, versions, links)


def version(*, engine: Engine, article_id: int, number: int) -> Version:
    with engine.connect() as conn:
        r = conn.execute(sa.select(kb_article_version).where(
            kb_article_version.c.article_id == article_id, kb_article_version.c.version == number
        )).first()  # fmt: skip
    if r is None:
        raise UnknownArticle(f"article #{article_id} has no version {number}")
    return Version(r.version, r.title, r.body, r.tags.split(), r.note, r.edited_by, r.edited_at)


# --- search ---------------------------------------------------------------------------------------------


# PostgreSQL: the question's words stemmed as Dutch and as English, any of them enough (``|``); ranked
# by ts_rank with the weights of the title (A 1.0), tags (B 0.4) and body (D 0.1), divided by 1 + the
# log of the document's length so that long articles do not win by length alone.
POSTGRES_SEARCH = (
    f"SELECT kb_article.id, ts_rank('{{0.1, 0.2, 0.4, 1.0}}', {SEARCH_DOCUMENT}, q, 1) AS rank "
    "FROM kb_article, (SELECT to_tsquery('dutch', :q) || to_tsquery('english', :q) AS q) AS asked "
    f"WHERE {SEARCH_DOCUMENT} @@ q ORDER BY rank DESC, kb_article.id LIMIT :limit"
)


def _ranked_ids(conn: Connection, text: str, limit: int) -> list[tuple[int, float]]:
    if conn.dialect.name == "postgresql":
        found = query_words(text)
        if not found:
            return []
        rows = conn.execute(sa.text(POSTGRES_SEARCH), {"q": " | ".join(found), "limit": limit})
        return [(int(r.id), float(r.rank)) for r in rows]
    stems = query_stems(text)
    if not stems:
        return []
    rows = conn.execute(
        sa.text(
            f"SELECT rowid AS id, bm25({SEARCH_TABLE}, 10.0, 5.0, 1.0) AS rank FROM {SEARCH_TABLE} "
            f"WHERE {SEARCH_TABLE} MATCH :q ORDER BY rank, rowid LIMIT :limit"
        ),
        {"q": " OR ".join(f'"{s}"' for s in stems), "limit": limit},
    )
    return [(int(r.id), -float(r.rank)) for r in rows]  # bm25: lower is better


def search(
    *, engine: Engine, text: str, limit: int = 10, language: str | None = None, kind: str | None = None
) -> list[Hit]:
    """The articles that answer ``text`` best first (see the module's docstring); ``language`` and
    ``kind`` narrow the hits. No words to search for (only stop words, punctuation): none."""
    limit = max(1, min(limit, 50))
    with engine.connect() as conn:
        ranked = _ranked_ids(conn, text[:2000], 200 if (language or kind) else limit)
        if not ranked:
            return []
        rows = {
            r.id: r
            for r in conn.execute(sa.select(kb_article).where(kb_article.c.id.in_([i for i, _ in ranked])))
        }
    hits = [Hit(_article(rows[i]), rank) for i, rank in ranked if i in rows]
    hits = [
        h
        for h in hits
        if (not language or h.article.language == language) and (not kind or h.article.kind == kind)
    ]
    return hits[:limit]


# --- related articles -----------------------------------------------------------------------------------


def related(*, engine: Engine, targets: Sequence[Target], language: str, limit: int = 5) -> list[Article]:
    """The articles tied to any of ``targets`` (the first targets first), one per article and its
    translations, in ``language`` where there is one."""
    if not targets:
        return []
    wanted = sa.or_(
        *(sa.and_(kb_link.c.target_kind == k.value, kb_link.c.target_key == key) for k, key in targets)
    )
    with engine.connect() as conn:
        links = conn.execute(
            sa.select(kb_link.c.article_id, kb_link.c.target_kind, kb_link.c.target_key).where(wanted)
        ).all()
        if not links:
            return []
        order = {(k.value, key): n for n, (k, key) in enumerate(targets)}
        first: dict[int, int] = {}
        for link_row in links:
            n = order[(link_row.target_kind, link_row.target_key)]
            first[link_row.article_id] = min(n, first.get(link_row.article_id, n))
        linked = [
            _article(r) for r in conn.execute(sa.select(kb_article).where(kb_article.c.id.in_(list(first))))
        ]
        families = {a.family for a in linked}
        members = [_article(r) for r in conn.execute(sa.select(kb_article).where(
            sa.or_(kb_article.c.id.in_(families), kb_article.c.translation_of.in_(families))
        ))]  # fmt: skip
    place = {a.family: min(first[b.id] for b in linked if b.family == a.family) for a in linked}
    chosen: dict[int, Article] = {}
    for a in sorted(members, key=lambda a: (a.language != language, a.id not in first, a.id)):
        chosen.setdefault(a.family, a)
    return sorted(chosen.values(), key=lambda a: (place[a.family], _rank_of_kind(a.kind), a.title.lower()))[
        :limit
    ]


def links_to(*, engine: Engine, target_kind: str, target_key: str) -> list[int]:
    """The ids of the articles tied to one target."""
    with engine.connect() as conn:
        return [int(i) for i in conn.execute(sa.select(kb_link.c.article_id).where(
            kb_link.c.target_kind == target_kind, kb_link.c.target_key == target_key
        ).order_by(kb_link.c.article_id)).scalars()]  # fmt: skip


def counts(*, conn: Connection, until: datetime | None = None) -> dict[str, int]:
    """Articles per kind (written by ``until``), for evidence of a centre of excellence."""
    query = sa.select(kb_article.c.kind, sa.func.count()).group_by(kb_article.c.kind)
    if until is not None:
        query = query.where(kb_article.c.created_at <= until)
    rows = conn.execute(query)
    return {str(k): int(n) for k, n in rows}
