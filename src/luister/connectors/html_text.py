"""HTML fragments (feed content, Mastodon statuses) to plain text: what a person would read, no markup.

Script, style and similar content is dropped; block ends become line breaks; table cells are kept apart;
entities are unescaped; link text is kept; an emoji drawn as an image (Discourse, WordPress) is its ``alt``
text. An image's description is the text only when there is no other (a post that is only a picture).
Markup escaped twice (Reddit's feeds) is read as markup. Built on the standard library's forgiving
``html.parser``: broken HTML never raises.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_DROP = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg", "math", "head"})
_BREAK_BEFORE = frozenset({"br", "hr"})
_BLOCK = frozenset(
    {
        "p", "div", "li", "ul", "ol", "blockquote", "pre", "section", "article", "header", "footer",
        "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "dd", "dt", "dl", "figure", "figcaption",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})
_SPACES = re.compile(r"[^\S\n]+")
# a whole text that is markup: starts with a tag or a comment, ends with one, and closes a tag
_ESCAPED_MARKUP = re.compile(r"^\s*<(?:!--|[a-zA-Z]).*</[a-zA-Z][a-zA-Z0-9]*>(?:.*>)?\s*$", re.DOTALL)
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.image_texts: list[str] = []  # descriptions of pictures: the text of a post that is only one
        self._dropping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self._dropping.append(tag)
        elif self._dropping:
            return
        elif tag in _BREAK_BEFORE:
            self.parts.append("\n")
        elif tag in _BLOCK:
            self._line_end(1)
        elif tag in _CELLS:
            self.parts.append(" ")
        elif tag == "img":
            self._image(dict(attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropping:
            return
        if tag in _BREAK_BEFORE:
            self.parts.append("\n")
        elif tag == "img":
            self._image(dict(attrs))

    def _image(self, attrs: dict[str, str | None]) -> None:
        alt = (attrs.get("alt") or "").strip()
        if not alt:
            return
        classes = (attrs.get("class") or "").split()
        if "emoji" in classes or "wp-smiley" in classes:  # an emoji drawn as a picture: part of the text
            self.parts.append(alt)
        else:
            self.image_texts.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if self._dropping:
            if tag in self._dropping:
                while self._dropping and self._dropping.pop() != tag:
                    pass
            return
        if tag in _BLOCK:
            self._line_end(2 if tag == "p" else 1)
        elif tag in _CELLS:
            self.parts.append(" ")

    def _line_end(self, count: int) -> None:
        """End the current line (a block boundary), without stacking up on breaks already there."""
        tail = "".join(self.parts[-2:])
        have = len(tail) - len(tail.rstrip("\n")) if tail.strip(" \t") else count
        if have < count:
            self.parts.append("\n" * (count - have))

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text from an HTML fragment; paragraphs separated by a blank line, lines by ``\\n``."""
    if "<" not in html and "&" not in html:
        return html.strip()
    text, image_texts = _extract(html)
    if _ESCAPED_MARKUP.match(text):  # "&lt;p&gt;…&lt;/p&gt;": markup escaped once too often
        text, image_texts = _extract(text)
    return text or "\n".join(image_texts)


def _extract(html: str) -> tuple[str, list[str]]:
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is forgiving, but an odd input must never cost the mention
        return _tidy(unescape(re.sub(r"<[^>]*>", " ", html))), []
    return _tidy("".join(parser.parts)), parser.image_texts


def _tidy(text: str) -> str:
    lines = (
        _SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    )
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
