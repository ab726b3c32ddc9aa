"""The feature bits (docs/spec.md section 10) as an :class:`enum.IntFlag`.

``Channel.features`` returns one: ``ch.features & Features.WAITER_FLAG`` and
``Features.WAKE_ADDRESS in ch.features`` read as they should, and it is still the
integer the ABI stores (``int(f)``, ``f == 29``).  Bits this version does not know
are kept, never dropped (a peer may offer more).  Print ``int(f)`` or
``f"0x{f:x}"`` where the text must be the same on every Python: ``str()`` of a
flag differs between 3.10 and 3.11.
"""

from __future__ import annotations

import enum
import sys
from typing import Any, Optional

from abi import layout
from abi.layout import FEATURE_NAMES

_KEEP: Any = {"boundary": enum.KEEP} if sys.version_info >= (3, 11) else {}

Features = enum.IntFlag("Features", {name: bit for bit, name in sorted(FEATURE_NAMES.items())},  # type: ignore[misc]
                        module=__name__, **_KEEP)
Features.__doc__ = "The ABI's feature bits; unknown bits are kept."


def as_features(value: Optional[int]) -> Optional[Features]:
    """``value`` as :class:`Features` (None stays None)."""
    return None if value is None else Features(value)



def doorbell_fits(features: int, offset: int) -> bool:
    """Whether GROUP_DOORBELL may go with ``features`` on the descriptor at ``offset``:
    with WAKE_ADDRESS and WAITER_FLAG (spec 6.4 rule 12), and not at 64 or 128, where
    the head's doorbells would be the descriptor's own bytes (6.3 step 4).  It is an
    optimisation that is never required: where it does not fit, a set goes without it
    rather than being refused."""
    needs = layout.FEATURE_GROUP_DOORBELL_NEEDS
    return features & needs == needs and not 0 < offset < layout.DESC_SIZE
