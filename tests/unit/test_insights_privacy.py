"""Contact details are masked before any text reaches the report; ordinary numbers are kept."""

from __future__ import annotations

import pytest

from insights.privacy import mask_contact_details


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail me at jane.doe+skin@example.co.uk please", "mail me at [email] please"),
        ("JOHN_SMITH@Mail.com", "[email]"),
        ("call me on 07700 900123", "call me on [phone]"),
        ("my number is +1 (555) 010-0199.", "my number is [phone]."),
        ("+44 20 7946 0958 or 555-0100", "[phone] or [phone]"),
        ("is 1.5mm ok for $200-$700, 3 sessions in 2026?", "is 1.5mm ok for $200-$700, 3 sessions in 2026?"),
        ("0.25 mm, 12 weeks, 4-6 sessions", "0.25 mm, 12 weeks, 4-6 sessions"),
        ("", ""),
    ],
)
def test_masks_emails_and_phone_numbers_only(text: str, masked: str) -> None:
    assert mask_contact_details(text) == masked
