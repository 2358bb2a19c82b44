"""The social media policy's pure rules: rendering its Markdown safely, the diff between two versions,
and when someone who has not acknowledged the current version is refused (``now`` passed in)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime, timedelta

from markdown_it import MarkdownIt

MAX_BODY = 50_000
MAX_TITLE = 200

# html=False: raw HTML in the text is shown as text, never as markup; markdown-it refuses javascript:,
# vbscript:, file: and data: links (other than images) itself.
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


class PolicyProblem(ValueError):
    """Input the policy refuses, with the field it concerns: in English (``str``, the API's) and Dutch
    (:meth:`said`, the pages')."""

    def __init__(self, field: str, problem: str, nl: str | None = None) -> None:
        self.field = field
        self.problem = problem
        self.nl = nl or problem
        super().__init__(f"{field}: {problem}")

    def said(self, language: str | None) -> str:
        """The problem in the reader's language (Dutch or English)."""
        return f"{self.field}: {self.nl if (language or '').startswith('nl') else self.problem}"


def render(body: str) -> str:
    """The policy's Markdown as HTML, with every piece of HTML in the text escaped."""
    return str(_MD.render(body))


def clean_text(title: str, body: str) -> tuple[str, str]:
    """The title on one line and the body with normalised line ends; :class:`PolicyProblem` otherwise."""
    title = " ".join(title.split())
    if not 0 < len(title) <= MAX_TITLE:
        raise PolicyProblem(
            "title", f"a title of 1 to {MAX_TITLE} characters", f"een titel van 1 tot {MAX_TITLE} tekens"
        )
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not body.strip():
        raise PolicyProblem("body", "the policy needs a text", "het beleid heeft een tekst nodig")
    if len(body) > MAX_BODY:
        raise PolicyProblem(
            "body", f"at most {MAX_BODY} characters (this one has {len(body)})",
            f"hoogstens {MAX_BODY} tekens (deze heeft er {len(body)})",
        )  # fmt: skip
    if any(ord(c) < 32 and c not in "\n\t" for c in body):
        raise PolicyProblem("body", "control characters are not allowed", "stuurtekens zijn niet toegestaan")
    return title, body + "\n"


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # "same", "added", "removed" or "gap" (unchanged lines left out)
    old: int | None  # line number in the older version
    new: int | None  # line number in the newer version
    text: str


def diff(old: str, new: str, *, context: int = 2) -> list[DiffLine]:
    """The lines that changed from ``old`` to ``new``, with ``context`` unchanged lines around each
    change and a gap line where unchanged lines are left out."""
    a, b = old.splitlines(), new.splitlines()
    found: list[DiffLine] = []
    for n, group in enumerate(
        difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context)
    ):
        if n or (group and (group[0][1] > 0 or group[0][3] > 0)):
            found.append(DiffLine("gap", None, None, "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                found.extend(DiffLine("same", i + 1, j1 + k + 1, a[i]) for k, i in enumerate(range(i1, i2)))
                continue
            found.extend(DiffLine("removed", i + 1, None, a[i]) for i in range(i1, i2))
            found.extend(DiffLine("added", None, j + 1, b[j]) for j in range(j1, j2))
    return found


@dataclass(frozen=True, slots=True)
class Current:
    """The version in force: its number, when it was published and the days people have to acknowledge it."""

    number: int
    published_at: datetime
    grace_days: int


def acknowledge_by(current: Current, *, user_since: datetime) -> datetime:
    """Until when someone may still work without acknowledging: the grace counts from the publication,
    or from the day they joined when that is later (a newcomer gets the same days). Without grace days
    the gate holds from the publication on, for everyone."""
    if current.grace_days == 0:
        return current.published_at
    return max(current.published_at, user_since) + timedelta(days=current.grace_days)


def refusal(
    current: Current | None, *, acknowledged: bool, user_since: datetime, now: datetime, language: str = "en"
) -> str | None:
    """Why someone may not reply or publish now, in their language (Dutch or English); None when they may:
    there is no policy in force, they acknowledged it, or they are still within its grace days."""
    if current is None or acknowledged or now < acknowledge_by(current, user_since=user_since):
        return None
    if language == "nl":
        return (
            f"Je hebt het socialemediabeleid (versie {current.number}) nog niet bevestigd: lees en bevestig "
            "het op /organisation/policy voordat je reageert of publiceert."
        )
    return (
        f"You have not acknowledged the social media policy (version {current.number}): read and acknowledge "
        "it at /organisation/policy before you reply or publish."
    )


def parse_rule_lines(text: str) -> list[dict[str, str | None]]:
    """Approval rules written one a line as ``name | kind | value`` (the value optional), as the pages and
    the CLI take them; checked further by :func:`luister.organisation.policy_actions.clean_rules`."""
    found: list[dict[str, str | None]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise PolicyProblem(
                "approval_rules", f"line {n}: write name | kind | value (value optional)",
                f"regel {n}: schrijf naam | soort | waarde (waarde mag leeg)",
            )  # fmt: skip
        found.append(
            {"name": parts[0], "kind": parts[1], "value": parts[2] if len(parts) == 3 and parts[2] else None}
        )
    return found
