"""Mask e-mail addresses and phone numbers in message text before it goes into a report.

Why: the report is read by clinic staff who improve the knowledge file; they
need the questions, not who asked them. People sometimes type their address or
number into a chat ("call me on 07700 900123"), so both are replaced before a
text is grouped, counted or written anywhere.
"""

from __future__ import annotations

import re

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
MIN_PHONE_DIGITS = 7  # shorter digit runs are prices, needle lengths, days and years

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the separators people type in phone numbers: spaces, dots, dashes, brackets, a leading +.
_PHONE_CANDIDATE = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]*\d(?![\w])")


def _mask_phone(match: re.Match[str]) -> str:
    candidate = match.group(0)
    return PHONE_MASK if sum(ch.isdigit() for ch in candidate) >= MIN_PHONE_DIGITS else candidate


def mask_contact_details(text: str) -> str:
    """``text`` with every e-mail address and phone number (7+ digits) replaced by a placeholder."""
    return _PHONE_CANDIDATE.sub(_mask_phone, _EMAIL.sub(EMAIL_MASK, text))
