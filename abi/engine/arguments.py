"""Checks of the arguments of both engines' public calls (issue 11, item 13).

Each function checks one kind of argument before an engine uses it, and returns it
normalised or raises :class:`ValueError` naming the argument, its value and what is
allowed: never a silent wrap-around in ctypes, a hang on NaN or a raw ``OSError``.
Values the ABI itself judges stay faults of the engine: an offset that is not a
multiple of 64 is ``BAD_OFFSET``, a locality other than north or south
``BAD_LOCALITY`` (:func:`check_locality`).

Imports nothing of either engine, so both can use it.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Optional, Tuple, Union

from abi import layout
from abi.faults import Fault, ShmSignalFault

U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1
FILE_OFFSET_MAX = 2**63 - 1  # off_t is signed 64-bit
# The largest descriptor offset: the descriptor and its records' liveness bytes
# (LOCK_BASE + offset + 64 + 64 * L, docs/spec.md 9) lie below 2**63.
OFFSET_MAX = FILE_OFFSET_MAX - layout.LOCK_BASE - layout.DESC_SIZE
DEFAULT_BUDGET = 1024  # notifier calls per wakeup
DEFAULT_LIVENESS_INTERVAL = 0.1  # seconds between peer checks while waiting
AUTO_SPIN = "auto"  # spin only while it pays off (abi.engine.channel)
Locality = Union[int, str]  # 0 / "north" or 1 / "south"
MIN_LIVENESS_INTERVAL = 0.0005  # smaller intervals count as this much


def _refuse(name: str, value: Any, allowed: str) -> ValueError:
    return ValueError(f"{name}={value!r}: {allowed}")


def _integer(name: str, value: Any, allowed: str) -> int:
    # bool is an int to Python, never a count, offset or id to us
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _refuse(name, value, allowed)
    return int(value)


def _real(name: str, value: Any, allowed: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _refuse(name, value, allowed)
    return float(value)


def check_u32(name: str, value: Any) -> int:
    """An unsigned 32-bit integer (a pid, a count)."""
    allowed = f"must be an integer from 0 to {U32_MAX}"
    v = _integer(name, value, allowed)
    if not 0 <= v <= U32_MAX:
        raise _refuse(name, value, allowed)
    return v


def check_u64(name: str, value: Any) -> int:
    """An unsigned 64-bit integer (a feature set)."""
    allowed = f"must be an integer from 0 to {U64_MAX:#x}"
    v = _integer(name, value, allowed)
    if not 0 <= v <= U64_MAX:
        raise _refuse(name, value, allowed)
    return v


def check_offset(value: Any, name: str = "offset") -> int:
    """A descriptor offset: from 0 to :data:`OFFSET_MAX` (alignment is the engine's
    ``BAD_OFFSET`` fault)."""
    allowed = (f"must be an integer from 0 to {OFFSET_MAX} (2**63-1 - 2**40 - 192: the descriptor "
               "and its liveness bytes lie below 2**63)")
    v = _integer(name, value, allowed)
    if not 0 <= v <= OFFSET_MAX:
        raise _refuse(name, value, allowed)
    return v


def check_rings(rings: Any, ring_max: Any) -> Optional[Tuple[Tuple[int, int], Tuple[int, int]]]:
    """The channel's two rings (spec 15.6): ((capacity, max_message) of north's, of
    south's), or None; capacities powers of two from 64 to 2**30, ``ring_max``
    (default: each capacity - 8) from 1 to capacity - 8."""
    if rings is None:
        if ring_max is not None:
            raise ValueError("ring_max without rings")
        return None
    if not isinstance(rings, (tuple, list)) or len(rings) != 2:
        raise ValueError(f"rings={rings!r}: (north's capacity, south's capacity)")
    caps = []
    for name, c in zip(("north", "south"), rings):
        ok = isinstance(c, int) and not isinstance(c, bool) and layout.RING_MIN_CAPACITY <= c <= \
            layout.RING_MAX_CAPACITY and not c & (c - 1)
        if not ok:
            raise ValueError(f"rings: {name}'s capacity {c!r} must be a power of two from "
                             f"{layout.RING_MIN_CAPACITY} to {layout.RING_MAX_CAPACITY}")
        caps.append(c)
    maxes = [c - layout.RING_RECORD_SIZE for c in caps] if ring_max is None else ring_max
    if not isinstance(maxes, (tuple, list)) or len(maxes) != 2:
        raise ValueError(f"ring_max={ring_max!r}: (north's largest message, south's)")
    for name, c, m in zip(("north", "south"), caps, maxes):
        if not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= c - layout.RING_RECORD_SIZE:
            raise ValueError(f"ring_max: {name}'s {m!r} must be from 1 to {c - layout.RING_RECORD_SIZE}")
    return (caps[0], maxes[0]), (caps[1], maxes[1])


def check_size(value: Any, name: str = "size") -> Optional[int]:
    """A file's minimum length, or None (just long enough for the descriptor)."""
    if value is None:
        return None
    allowed = f"must be None or an integer from 0 to {FILE_OFFSET_MAX} (2**63-1)"
    v = _integer(name, value, allowed)
    if not 0 <= v <= FILE_OFFSET_MAX:
        raise _refuse(name, value, allowed)
    return v


def check_timeout(value: Any, name: str = "timeout") -> Optional[float]:
    """Seconds to wait: a number >= 0 (``inf`` allowed), or None for no limit."""
    if value is None:
        return None
    # float and int first, without the numbers.Real check: this is on every wait's path
    v = float(value) if type(value) is float or type(value) is int else None
    if v is None or math.isnan(v) or v < 0:
        allowed = "must be a number of seconds >= 0, or None for no limit"
        v = _real(name, value, allowed)
        if math.isnan(v) or v < 0:
            raise _refuse(name, value, allowed)
    return v


def check_budget(value: Any, name: str = "budget") -> int:
    """Notifier calls per wakeup: 1 to 2**32-1 (what the C engine can hold)."""
    allowed = f"must be an integer from 1 to {U32_MAX} notifier calls"
    v = _integer(name, value, allowed)
    if not 1 <= v <= U32_MAX:
        raise _refuse(name, value, allowed)
    return v


def check_liveness_interval(value: Any, name: str = "liveness_interval") -> float:
    """Seconds between peer checks in a wait: finite and > 0 (below 0.5 ms counts as 0.5 ms)."""
    allowed = "must be a finite number of seconds > 0"
    v = _real(name, value, allowed)
    if not (v > 0 and math.isfinite(v)):
        raise _refuse(name, value, allowed)
    return max(v, MIN_LIVENESS_INTERVAL)


def check_spin(value: Any, name: str = "spin") -> Union[float, str]:
    """Seconds to spin before parking (finite and >= 0), or ``"auto"``."""
    if value == AUTO_SPIN:
        return AUTO_SPIN
    allowed = "must be \"auto\" or a finite number of seconds >= 0"
    v = _real(name, value, allowed)
    if not (v >= 0 and math.isfinite(v)):
        raise _refuse(name, value, allowed)
    return v


def check_mode(value: Any, name: str = "mode") -> int:
    """File permissions: within 0o777 and including 0o600 (the attacher, the same user,
    opens the file for reading and writing)."""
    allowed = "must lie within 0o777 and include owner read and write (0o600)"
    v = _integer(name, value, allowed)
    if not (0 <= v <= 0o777 and v & 0o600 == 0o600):
        shown = oct(v) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
        raise ValueError(f"{name}={shown}: {allowed}")
    return v


def check_instance_id(value: Any, name: str = "instance_id") -> Optional[bytes]:
    """16 bytes, or None for random ones (all zero is the engine's ``BAD_INSTANCE_ID``)."""
    if value is None:
        return None
    if not isinstance(value, (bytes, bytearray, memoryview)) or len(value) != 16:
        raise _refuse(name, value, "must be 16 bytes, or None")
    return bytes(value)


def check_locality(value: Any) -> int:
    """0 / ``"north"`` or 1 / ``"south"``; anything else is the ``BAD_LOCALITY`` fault."""
    if isinstance(value, str):
        try:
            return layout.LOCALITY_NAMES.index(value.lower())
        except ValueError:
            pass
    elif not isinstance(value, bool) and isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return int(value)
    raise ShmSignalFault(Fault.BAD_LOCALITY, "locality must be 0/'north' or 1/'south'",
                         field="locality", offset=None, expected="north or south", actual=value)


def check_descriptor_offset(value: Any) -> int:
    """A descriptor offset: a file offset that is a multiple of 64 (else ``BAD_OFFSET``)."""
    offset = check_offset(value)
    if offset % layout.DESC_ALIGN:
        raise ShmSignalFault(Fault.BAD_OFFSET, f"descriptor offset must be a multiple of {layout.DESC_ALIGN}",
                             field="offset", offset=offset, expected="multiple of 64", actual=offset)
    return offset


def forever(timeout: Optional[float]) -> Optional[float]:
    """A checked timeout, with an infinite one as None."""
    t = check_timeout(timeout)
    return None if t is None or t == math.inf else t
