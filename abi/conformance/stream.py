"""The message stream of docs/spec.md 13.6: message *i* of stream ``seed``, computed
the same way by every peer, so that ``ring_stream`` and ``ring_check`` agree on a
million messages without sending them over the line protocol."""

from __future__ import annotations

_M = (1 << 64) - 1
# byte + k (mod 256) for every k, so that a payload is built 8 bytes at a time
_PLUS = [bytes((b + k) & 0xFF for b in range(256)) for k in range(256)]


def message(seed: int, i: int, lo: int, hi: int) -> bytes:
    """Message ``i`` (from 0) of stream ``seed``, of ``lo`` to ``hi`` bytes (SplitMix64)."""
    z = (seed + (i + 1) * 0x9E3779B97F4A7C15) & _M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M
    x = z ^ (z >> 31)
    n = lo + x % (hi - lo + 1)
    block = x.to_bytes(8, "little")
    return b"".join(block.translate(_PLUS[k & 0xFF]) for k in range((n + 7) >> 3))[:n]
