"""The one token estimate Codecot uses: characters / 4, rounded up.

Budgets are advisory and hosts use different tokenizers, so an exact count would
be false precision; chars/4 is the usual rule of thumb for English and code. It is
subadditive (the estimate of joined texts never exceeds the sum of the parts'),
which is what lets the packer add up parts and still promise the total.
"""

from __future__ import annotations

import math

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """ceil(len(text) / 4)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)
