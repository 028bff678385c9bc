"""Nothing from a message runs, and nothing is loaded from anywhere but the product."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from service.launcher import PROJECT_ROOT
from tests.browser.chat_widget import ChatWidget

WIDGET_JS = PROJECT_ROOT / "widget" / "widget.js"

# Serialise what renderMarkdown built, and list every tag and attribute in it.
RENDER = """(text) => {
    const box = document.createElement("div");
    box.append(window.ClinicChat.renderMarkdown(text));
    const nodes = [...box.querySelectorAll("*")];
    return {
        html: box.innerHTML,
        text: box.textContent,
        tags: nodes.map((n) => n.tagName.toLowerCase()),
        attributes: nodes.flatMap((n) => [...n.attributes].map((a) => a.name)),
        links: [...box.querySelectorAll("a")].map((a) => ({href: a.href, target: a.target, rel: a.rel})),
    };
}"""

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "a"}
ALLOWED_ATTRIBUTES = {"href", "target", "rel", "start"}


@pytest.fixture
def rendered(stack, page: Page):
    page.goto(stack.widget_demo_url)
    page.wait_for_function("() => window.ClinicChat && window.ClinicChat.renderMarkdown")
    return lambda text: page.evaluate(RENDER, text)


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        (
            "**bold** and _italic_ and *also italic*",
            "<p><strong>bold</strong> and <em>italic</em> and <em>also italic</em></p>",
        ),
        (
            "Intro:\n- one\n- **two**\n\nAfter",
            "<p>Intro:</p><ul><li>one</li><li><strong>two</strong></li></ul><p>After</p>",
        ),
        ("1. first\n2. second", "<ol><li>first</li><li>second</li></ol>"),
        ("line one\nline two", "<p>line one<br>line two</p>"),
        ("snake_case_name and 2*3*4 stay", "<p>snake_case_name and 2*3*4 stay</p>"),
        (
            "[Book](https://example.com/book?a=1&b=2)",
            '<p><a href="https://example.com/book?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">Book</a></p>',
        ),
        (
            "Use https://example.com/book.",
            '<p>Use <a href="https://example.com/book" target="_blank" rel="noopener noreferrer">'
            "https://example.com/book</a>.</p>",
        ),
        (
            "Mail hello@example.com or call +1 555 0100",
            '<p>Mail <a href="mailto:hello@example.com" target="_blank" rel="noopener noreferrer">hello@example.com</a>'
            ' or call <a href="tel:+15550100" target="_blank" rel="noopener noreferrer">+1 555 0100</a></p>',
        ),
        ("_This chat offers general information._", "<p><em>This chat offers general information.</em></p>"),
    ],
    ids=[
        "inline",
        "bullets",
        "numbered",
        "line-break",
        "no-false-emphasis",
        "link",
        "bare-url",
        "mail-phone",
        "disclaimer",
    ],
)
def test_markdown_subset(rendered, markdown: str, html: str) -> None:
    assert rendered(markdown)["html"] == html


HOSTILE = [
    "<script>window.__pwned = 1</script>",
    "<img src=x onerror=alert(1)>",
    "**<img src=x onerror=alert(1)>**",
    "[click](javascript:alert%281%29)",
    "[click](JaVaScRiPt:alert`1`)",
    "[click](java\tscript:alert`1`)",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox)",
    "[click](//evil.example/x)",
    '[x](https://example.com" onmouseover="alert(1))',
    "<a href='javascript:alert(1)'>x</a>",
    "<svg onload=alert(1)>",
    "- <iframe src=javascript:alert(1)>\n- [ok](https://example.com)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_markdown_renders_as_inert_text(rendered, page: Page, events, hostile: str) -> None:
    result = rendered(hostile)
    assert set(result["tags"]) <= ALLOWED_TAGS, result["html"]
    assert set(result["attributes"]) <= ALLOWED_ATTRIBUTES, result["html"]
    for link in result["links"]:
        assert urlsplit(link["href"]).scheme in {"http", "https", "mailto", "tel"}, link
        assert link["target"] == "_blank"
        assert link["rel"] == "noopener noreferrer"
    # Markup characters survive as visible text rather than vanishing or running.
    if "<" in hostile:
        assert "<" in result["text"]
    page.wait_for_timeout(100)
    assert page.evaluate("() => window.__pwned") is None
    assert events.dialogs == []


def test_hostile_bot_replies_in_the_real_widget(stack, page: Page, events, snap) -> None:
    """Whatever the server sends (text or button titles), the widget shows it as text."""
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.open_and_wait_for_greeting()
    replies = [
        {"recipient_id": "x", "text": "<script>window.__pwned = 1</script>Hi **there** <img src=x onerror=alert(1)>"},
        {
            "recipient_id": "x",
            "text": "[a](javascript:alert%281%29) and [b](https://example.com/ok)",
            "buttons": [{"title": "<img src=x onerror=alert(2)>", "payload": "/greet"}],
        },
    ]

    def hostile_server(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(replies))

    page.route("**/webhooks/rest/webhook", hostile_server)
    chat.ask("hello")
    expect(chat.chips).to_have_text(["<img src=x onerror=alert(2)>"])
    expect(chat.bot_bubbles().nth(-2)).to_contain_text("<script>window.__pwned = 1</script>Hi there <img")
    assert chat.log.locator("img, script, iframe, svg image").count() == 0
    assert [link.get_attribute("href") for link in chat.log.locator("a").all()] == ["https://example.com/ok"]
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__pwned") is None
    assert events.dialogs == []
    snap(page, "hostile-replies-as-text")


def test_every_request_goes_to_the_product(stack, page: Page, events) -> None:
    """No CDN, no tracker: the demo page and the widget load only from the assistant's server."""
    page.goto(stack.widget_demo_url)
    chat = ChatWidget(page)
    chat.open_and_wait_for_greeting()
    chat.ask("How many sessions will I need?")
    origins = {
        f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in events.requests if not url.startswith("data:")
    }
    assert origins == {stack.rasa_url}
    loaded = {urlsplit(url).path for url in events.requests}
    assert {"/webhooks/widget/widget.js", "/webhooks/widget/widget.css", "/webhooks/rest/webhook"} <= loaded


def test_widget_source_has_no_html_sinks() -> None:
    """The renderer's guarantee rests on never turning a string into markup; keep it that way."""
    source = WIDGET_JS.read_text()
    sinks = re.findall(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|srcdoc", source)
    assert sinks == []
