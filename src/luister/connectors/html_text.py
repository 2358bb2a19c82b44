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
# alt texts that describe nothing: a default ("image") or a file name ("IMG_2041.jpg")
_NO_DESCRIPTION = re.compile(
    r"^(?:image|img|photo|picture|afbeelding|foto|screenshot)$|\.(?:png|jpe?g|gif|webp|heic)$|^(?:IMG|DSC)_?\d",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[^\S\n]+")
# a whole text that is markup: starts with a tag or a comment, ends with one, and closes a tag
_ESCAPED_MARKUP = re.compile(r"^\s*<(?:!--|[a-zA-Z]).*</[a-zA-Z][a-zA-Z0-9]*>(?:.*>)?\s*$", re.DOTALL)
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self, skip_classes: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.image_texts: list[str] = []  # descriptions of pictures: the text of a post that is only one
        self.links: list[str] = []  # where links point: the text of a post that is only a link
        self._skip_classes = skip_classes
        self._dropping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropping:
            if tag in self._dropping:  # the same element nested: its end must not end the drop
                self._dropping.append(tag)
            return
        found = dict(attrs)
        if tag in _DROP or (self._skip_classes and self._skipped(found)):
            self._dropping.append(tag)
            if link := found.get("data-onebox-src"):  # a link preview: the link it previews
                self.links.append(link)
        elif tag == "a" and (href := found.get("href")) and href.startswith(("http://", "https://")):
            self.links.append(href)
        elif tag in _BREAK_BEFORE:
            self.parts.append("\n")
        elif tag in _BLOCK:
            self._line_end(1)
        elif tag in _CELLS:
            self.parts.append(" ")
        elif tag == "img":
            self._image(found)

    def _skipped(self, attrs: dict[str, str | None]) -> bool:
        return not self._skip_classes.isdisjoint((attrs.get("class") or "").split())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropping:
            return
        if tag in _BREAK_BEFORE:
            self.parts.append("\n")
        elif tag == "img":
            self._image(dict(attrs))

    def _image(self, attrs: dict[str, str | None]) -> None:
        alt = (attrs.get("alt") or "").strip()
        classes = (attrs.get("class") or "").split()
        if alt and ("emoji" in classes or "wp-smiley" in classes):  # an emoji drawn as a picture: text
            self.parts.append(alt)
        elif alt and not _NO_DESCRIPTION.match(alt):
            self.image_texts.append(alt)
        elif (src := attrs.get("src")) and src.startswith(("http://", "https://")):
            self.links.append(src)  # an undescribed picture: where it is, for a post that is only one

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


def html_to_text(html: str, *, skip_classes: frozenset[str] = frozenset()) -> str:
    """Readable text from an HTML fragment; paragraphs separated by a blank line, lines by ``\\n``.

    Elements with one of ``skip_classes`` are left out with their content (another author's quoted
    words, link previews). Without any text, the images' descriptions are the text, else the links."""
    if "<" not in html and "&" not in html:
        return html.strip()
    parser = _extract(html, skip_classes)
    text = _tidy("".join(parser.parts))
    if _ESCAPED_MARKUP.match(text):  # "&lt;p&gt;…&lt;/p&gt;": markup escaped once too often
        parser = _extract(text, skip_classes)
        text = _tidy("".join(parser.parts))
    return text or "\n".join(parser.image_texts) or "\n".join(dict.fromkeys(parser.links))


def _extract(html: str, skip_classes: frozenset[str]) -> _TextExtractor:
    parser = _TextExtractor(skip_classes)
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is forgiving, but an odd input must never cost the mention
        parser = _TextExtractor()
        parser.parts = [unescape(re.sub(r"<[^>]*>", " ", html))]
    return parser


def _tidy(text: str) -> str:
    lines = (
        _SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    )
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
