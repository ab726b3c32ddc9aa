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


DOORBELL_NEEDS = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_WAITER_FLAG


def without_lone_doorbell(features: int) -> int:
    """``features`` less GROUP_DOORBELL when WAKE_ADDRESS or WAITER_FLAG is missing
    (spec 6.4 rule 12: it is offered and accepted only with both).  It is an
    optimisation that is never required, so a set that lacks what it needs simply
    goes without it rather than being refused."""
    if features & DOORBELL_NEEDS != DOORBELL_NEEDS:
        return features & ~layout.FEATURE_GROUP_DOORBELL
    return features
