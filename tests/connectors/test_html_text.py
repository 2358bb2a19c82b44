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


class TestMeaningKept:
    """Issue #24 defect 9 (and 6: a post that is only a picture)."""

    def test_emoji_images_keep_their_alt_text(self) -> None:
        discourse = (
            '<p>Dank je! <img src="/images/emoji/twitter/heart.png?v=12" title=":heart:" class="emoji" '
            'alt=":heart:" loading="lazy" width="20" height="20"></p>'
        )
        wordpress = (
            '<p>Top <img draggable="false" role="img" class="emoji" alt="🙂" '
            'src="https://s.w.org/images/core/emoji/14.0.0/svg/1f642.svg"> service</p>'
        )
        assert html_to_text(discourse) == "Dank je! :heart:"
        assert html_to_text(wordpress) == "Top 🙂 service"

    def test_table_cells_stay_apart(self) -> None:
        html = (
            "<table><tr><th>Release</th><th>Previous</th></tr>"
            "<tr><td>September 2015</td><td>June 2015</td></tr></table>"
        )
        assert html_to_text(html) == "Release Previous\nSeptember 2015 June 2015"

    def test_markup_escaped_twice_is_read_as_markup(self) -> None:
        reddit = (
            "&lt;!-- SC_OFF --&gt;&lt;div class=&quot;md&quot;&gt;&lt;p&gt;Enerlux stuurt weer een "
            "rekening &amp;amp; nu dit&lt;/p&gt;&lt;/div&gt;&lt;!-- SC_ON --&gt;"
        )
        assert html_to_text(reddit) == "Enerlux stuurt weer een rekening & nu dit"
        assert html_to_text("&lt;p&gt;Enerlux &lt;b&gt;weer&lt;/b&gt;&lt;/p&gt;") == "Enerlux weer"

    def test_an_escaped_tag_inside_text_stays_text(self) -> None:
        assert (
            html_to_text("<p>Use the &lt;b&gt; tag, not &lt;strong&gt;</p>")
            == "Use the <b> tag, not <strong>"
        )

    def test_a_picture_alone_is_described_by_its_alt(self) -> None:
        html = '<p><img src="https://x.example/storing.jpg" alt="Kaart met de storing in Utrecht"></p>'
        assert html_to_text(html) == "Kaart met de storing in Utrecht"
        assert html_to_text('<p>Kijk <img src="a.jpg" alt="een kaart"></p>') == "Kijk"

    def test_a_picture_without_a_description_is_its_address(self) -> None:
        """A real Discourse post: an image with the default alt "image" and nothing else."""
        html = '<p><img src="http://i288.example.com/albums/ahh.gif" alt="image" width="36" height="22"></p>'
        assert html_to_text(html) == "http://i288.example.com/albums/ahh.gif"
        assert html_to_text('<p><img src="https://x.example/IMG_2041.jpg" alt="IMG_2041.jpg"></p>') == (
            "https://x.example/IMG_2041.jpg"
        )
