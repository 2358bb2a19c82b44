"""URL canonicalisation: one spelling per page, so the same link from two sources compares equal."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ref_src",
        "ref_url",
        "_hsenc",
        "_hsmi",
        "yclid",
        "twclid",
        "si",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ITEM_FRAGMENT = re.compile(r"(?:comment|reply|post|answer)-?\d+$", re.IGNORECASE)
_TRACKING_HINT = re.compile(
    r"(?:^|[&;])(?:utm_|" + "|".join(sorted(TRACKING_PARAMS, key=len, reverse=True)) + r")", re.IGNORECASE
)


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters.

    A fragment that names one comment (``#comment-373``, WordPress and others) is kept: it is the
    address of that comment, not a place on the post's page.

    Returns ``None`` for empty input and for anything that is not an absolute http(s) URL, so a broken
    link never costs the mention it belongs to.
    """
    if not url:
        return None
    text = url.strip()
    if not text or not text.isprintable() or " " in text:
        return None
    fast = _already_canonical(text)
    return fast if fast is not None else _parsed_canonical(text)


def _parsed_canonical(text: str) -> str | None:
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    netloc: str | None = parts.netloc
    if not netloc or "[" in netloc and ":" not in netloc:
        return None
    if not netloc.islower() or ":" in netloc or "@" in netloc or netloc.endswith("."):
        netloc = _canonical_netloc(parts, scheme)
        if netloc is None:
            return None
    query = parts.query
    if query and _TRACKING_HINT.search(query):
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, v) for k, v in pairs if not _is_tracking(k)])
    fragment = parts.fragment if _ITEM_FRAGMENT.match(parts.fragment) else ""
    return urlunsplit((scheme, netloc, parts.path or "/", query, fragment))


def _already_canonical(text: str) -> str | None:
    """The common case without parsing: lower-case http(s) host, no port, user, fragment or tracking."""
    if text.startswith("https://"):
        rest = text[8:]
    elif text.startswith("http://"):
        rest = text[7:]
    else:
        return None
    slash = rest.find("/")
    host = rest if slash < 0 else rest[:slash]
    if not host or not host.islower() or host.endswith(".") or any(ch in host for ch in ":@[?#\\"):
        return None
    if "#" in rest:
        return None
    query_start = rest.find("?")
    if query_start >= 0 and (query_start == len(rest) - 1 or _TRACKING_HINT.search(rest[query_start + 1 :])):
        return None
    return text if slash >= 0 else text + "/"


def _canonical_netloc(parts: SplitResult, scheme: str) -> str | None:
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return f"{parts.username}@{netloc}" if parts.username else netloc


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in TRACKING_PARAMS


def domain_of(url: str | None) -> str | None:
    """The host of a canonical URL without a leading ``www.``."""
    if not url:
        return None
    host = urlsplit(url).hostname
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host
