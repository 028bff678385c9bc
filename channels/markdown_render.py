"""Turn the knowledge file's Markdown into what each messaging app renders.

The answers use ``**bold**``, ``_italic_``, ``- `` list items and ``[text](url)``
links. Telegram gets its HTML parse mode (the only markup it parses without
escaping every ``.``/``-``/``(`` as MarkdownV2 demands); WhatsApp gets its own
``*bold*``/``_italic_`` and links written out as "text (url)", since it cannot
hide a URL behind text. Pure functions, tested with hostile input: whatever the
text contains, Telegram must never receive markup it refuses to parse (it would
reject the whole message), so malformed results fall back to escaped plain text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

TELEGRAM_MAX_CHARS = 4096
WHATSAPP_MAX_CHARS = 1600  # Twilio's limit for one WhatsApp/SMS body

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINK = re.compile(r"\[([^\[\]\n]+)\]\(([^()\s]+)\)")
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]]+")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
_BULLET = re.compile(r"^([ \t]*)[-*+][ \t]+", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_SAFE_SCHEMES = ("https://", "http://", "mailto:", "tel:")
_TAG = re.compile(r'<(/?)(b|i|a)(?: href="[^"]*")?>')
_PLACEHOLDER = "\x00{}\x00"
_PLACEHOLDER_RE = re.compile(r"\x00(\d+)\x00")


def to_telegram_html(markdown: str) -> str:
    """Telegram HTML (``parse_mode="HTML"``): <b>, <i>, <a href>, everything else escaped."""
    rendered = _render(markdown, _telegram_link, _telegram_url, html.escape, "<b>{}</b>", "<i>{}</i>")
    if _well_formed(rendered):
        return rendered
    return html.escape(to_plain_text(markdown), quote=False)


def to_whatsapp(markdown: str) -> str:
    """WhatsApp text: *bold*, _italic_, "• " bullets, links as "text (url)"."""
    return _render(markdown, _whatsapp_link, lambda url: url, lambda text: text, "*{}*", "_{}_")


def to_plain_text(markdown: str) -> str:
    """No markup at all: the fallback when formatting would not survive."""
    return _render(markdown, _whatsapp_link, lambda url: url, lambda text: text, "{}", "{}")


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` characters, at paragraphs, then lines, then words."""
    if len(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", " "):
        cut = text.rfind(separator, 0, limit + 1)
        if cut > 0:
            head, tail = text[:cut].rstrip(), text[cut + len(separator) :].lstrip()
            return [head, *split_text(tail, limit)] if tail else [head]
    return [text[:limit], *split_text(text[limit:], limit)]


def _render(
    markdown: str,
    link: Callable[[str, str, Callable[[str], str]], str],
    bare_url: Callable[[str], str],
    escape: Callable[[str], str],
    bold: str,
    italic: str,
) -> str:
    """Shared pipeline: protect links and URLs, escape, then bold, italic, bullets."""
    protected: list[str] = []

    def protect(rendered: str) -> str:
        protected.append(rendered)
        return _PLACEHOLDER.format(len(protected) - 1)

    def inline(text: str) -> str:
        text = escape(text)
        text = _BOLD.sub(lambda m: bold.format(m.group(1)), text)
        return _ITALIC.sub(lambda m: italic.format(m.group(1)), text)

    text = _CONTROL.sub("", markdown).strip()
    text = _HEADING.sub(r"**\1**", text)
    text = _LINK.sub(lambda m: protect(link(m.group(1), m.group(2), inline)), text)
    text = _BARE_URL.sub(lambda m: protect(bare_url(m.group(0))), text)
    text = _BULLET.sub(r"\1• ", text)
    text = inline(text)
    return _PLACEHOLDER_RE.sub(lambda m: protected[int(m.group(1))], text)


def _safe_url(url: str) -> bool:
    return url.lower().startswith(_SAFE_SCHEMES)


def _telegram_link(label: str, url: str, inline: Callable[[str], str]) -> str:
    if not _safe_url(url):
        return inline(f"[{label}]({url})")
    return f'<a href="{html.escape(url, quote=True)}">{inline(label)}</a>'


def _telegram_url(url: str) -> str:
    return html.escape(url, quote=False)


def _whatsapp_link(label: str, url: str, inline: Callable[[str], str]) -> str:
    if not _safe_url(url):
        return inline(label)
    plain_url = url.removeprefix("mailto:").removeprefix("tel:")
    return plain_url if label.strip() == url else f"{inline(label)} ({plain_url})"


def _well_formed(rendered: str) -> bool:
    """Tags properly nested, no anchor inside an anchor, no stray ``<`` Telegram would choke on."""
    stack: list[str] = []
    for match in _TAG.finditer(rendered):
        closing, name = match.group(1), match.group(2)
        if not closing:
            if name == "a" and "a" in stack:
                return False
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack and rendered.count("<") == len(_TAG.findall(rendered))
