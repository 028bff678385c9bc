"""Markdown from the knowledge file becomes each app's own formatting, whatever the text contains."""

from __future__ import annotations

import pytest

from channels.markdown_render import (
    TELEGRAM_MAX_CHARS,
    WHATSAPP_MAX_CHARS,
    split_text,
    to_plain_text,
    to_telegram_html,
    to_whatsapp,
)
from tests.channels.fake_provider import telegram_html_error

SAMPLE = (
    "Most people feel **mild to moderate discomfort**, _not real pain_.\n"
    "- numbing cream first\n"
    "- see [our booking page](https://example.com/book?a=1&b=2)"
)


def test_telegram_html_formatting() -> None:
    assert to_telegram_html(SAMPLE) == (
        "Most people feel <b>mild to moderate discomfort</b>, <i>not real pain</i>.\n"
        "• numbing cream first\n"
        '• see <a href="https://example.com/book?a=1&amp;b=2">our booking page</a>'
    )


def test_whatsapp_formatting() -> None:
    assert to_whatsapp(SAMPLE) == (
        "Most people feel *mild to moderate discomfort*, _not real pain_.\n"
        "• numbing cream first\n"
        "• see our booking page (https://example.com/book?a=1&b=2)"
    )


def test_plain_text_has_no_markers() -> None:
    assert to_plain_text("**a** _b_ [c](https://d.e)") == "a b c (https://d.e)"


@pytest.mark.parametrize(
    ("markdown", "telegram", "whatsapp"),
    [
        ("<script>alert(1)</script> & co", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co", None),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
        ("see https://x.example/a_b_c_d", "see https://x.example/a_b_c_d", "see https://x.example/a_b_c_d"),
        ("**bold with _italic_ inside**", "<b>bold with <i>italic</i> inside</b>", "*bold with _italic_ inside*"),
        ("**unclosed bold and _unclosed", "**unclosed bold and _unclosed", "**unclosed bold and _unclosed"),
        ("[x](javascript:alert(1))", None, None),
        ('[q"uote](https://e.x/"><b>)', None, None),
        ("[https://e.x](https://e.x)", '<a href="https://e.x">https://e.x</a>', "https://e.x"),
        ("[mail us](mailto:hello@example.com)", None, "mail us (hello@example.com)"),
        ("# Heading\ntext", "<b>Heading</b>\ntext", "*Heading*\ntext"),
        ("null\x00byte\x1b[31m", "nullbyte[31m", "nullbyte[31m"),
    ],
    ids=["html", "underscores-asterisks", "bare-url", "nested", "unclosed", "js-link", "quote-in-url", "url-label",
         "mailto", "heading", "control-chars"],
)  # fmt: skip
def test_hostile_and_odd_input(markdown, telegram, whatsapp) -> None:
    rendered = to_telegram_html(markdown)
    assert telegram_html_error(rendered) is None, rendered
    if telegram is not None:
        assert rendered == telegram
    if whatsapp is not None:
        assert to_whatsapp(markdown) == whatsapp


def test_unsafe_link_schemes_never_become_links() -> None:
    assert "href" not in to_telegram_html("[x](javascript:alert(1))")
    assert "href" not in to_telegram_html("[x](javascript:void)")
    assert to_whatsapp("[x](javascript:void)") == "x"
    assert to_whatsapp("[x](data:text/html,hi)") == "x"


def test_markers_that_would_cross_tags_fall_back_to_plain_text() -> None:
    rendered = to_telegram_html("_a **b_ c** <i>")
    assert telegram_html_error(rendered) is None
    assert rendered == "a b c &lt;i&gt;"


@pytest.mark.parametrize("seed", range(40))
def test_random_markup_soup_always_parses_in_telegram(seed) -> None:
    import random

    pieces = ["**", "_", "[", "](", ")", "https://e.x/_y_", "<", ">", "&", "\n- ", "a", " ", "*", '"', "#", "`"]
    generator = random.Random(seed)
    soup = "".join(generator.choice(pieces) for _ in range(60))
    assert telegram_html_error(to_telegram_html(soup)) is None, soup


def test_every_knowledge_answer_renders(knowledge) -> None:
    texts = [knowledge.disclaimer, *knowledge.messages.values()]
    for entry in knowledge.faqs.values():
        texts.append(entry.answer)
        texts.extend(text for values in entry.variants.values() for text in values.values())
    for text in texts:
        rendered = to_telegram_html(text)
        assert telegram_html_error(rendered) is None, text[:60]
        assert "**" not in rendered and "**" not in to_whatsapp(text)
    assert any("<b>" in to_telegram_html(text) for text in texts)


def test_split_text_respects_limits_and_keeps_everything() -> None:
    paragraph = "word " * 300
    text = "\n\n".join([paragraph.strip()] * 4)
    for limit in (WHATSAPP_MAX_CHARS, TELEGRAM_MAX_CHARS, 100):
        parts = split_text(text, limit)
        assert all(0 < len(part) <= limit for part in parts)
        assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    assert split_text("short", 10) == ["short"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
