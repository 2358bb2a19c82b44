from __future__ import annotations

import pytest

from luister.connectors.html_text import html_to_text


def test_paragraphs_breaks_and_list_items_become_lines() -> None:
    html = "<p>First<br>line two<br/>three</p><div>Block</div><ul><li>one</li><li>two</li></ul>"
    assert html_to_text(html) == "First\nline two\nthree\n\nBlock\none\ntwo"


def test_script_style_and_their_content_are_dropped_link_text_kept() -> None:
    html = (
        "<style>p { color: red }</style><p>Read <a href='https://x.example'>the <b>post</b></a>"
        "<script>alert('</p>')</script>!</p>"
    )
    assert html_to_text(html) == "Read the post!"


def test_entities_are_unescaped_once() -> None:
    assert html_to_text("Fish &amp; chips &lt;b&gt; &#8364;5 &eacute;") == "Fish & chips <b> €5 é"


def test_plain_text_passes_through() -> None:
    assert html_to_text("  just words  ") == "just words"


@pytest.mark.parametrize(
    "broken",
    [
        "<p>unclosed <b>bold <i>italic",
        "</div></p>stray closers",
        "<a href='x>attr never closes",
        "<<<>>> &#xFFFFFFFF; &#0; &bogus;",
        "<script>never closed",
        "<!-- comment never closed",
        "<![CDATA[ odd ]]> <?php echo 1; ?>",
        "",
    ],
)
def test_broken_html_never_raises(broken: str) -> None:
    assert isinstance(html_to_text(broken), str)


def test_unclosed_script_hides_the_rest_but_not_what_came_before() -> None:
    assert html_to_text("visible<script>hidden") == "visible"


def test_white_space_is_collapsed_and_blank_lines_limited() -> None:
    assert html_to_text("<p>a \t  b</p>\n\n\n<p>\n c</p>") == "a b\n\nc"
