"""The campaign's inputs: descriptors from the golden vectors and both engines, and
the mutations made of them (bytes, fields, lengths, offsets, feature sets)."""


from __future__ import annotations

import json
import random
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple

from abi import layout

Verdict = Tuple[str, ...]  # ("ok",) | ("fault", NAME, field) | ("error", text)
JUDGES = ("py.validate", "c.validate", "py.attach", "c.attach", "inspect")
DEADLINE = 10.0  # seconds one input may take in the worker before it counts as a hang
VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "golden.json"
# Self-checks (``--plant``): break the campaign on purpose, to see it caught.
PLANTS = {
    "desc-size-alignment": "the Python validator skips the check that desc_size is a multiple of 64",
    "crash": "the worker dies of SIGSEGV on inputs whose first byte is 0x42",
    "hang": "the worker stops answering on inputs whose first byte is 0x42",
}




@dataclass(frozen=True)
class Case:
    """One input: a whole mapping's bytes, the descriptor's offset in it, and the
    feature set of the side that validates."""

    data: bytes
    offset: int
    supported: int
    origin: str = ""

    def to_json(self) -> Dict[str, Any]:
        return {"data": self.data.hex(), "offset": self.offset, "supported": f"0x{self.supported:x}",
                "origin": self.origin}

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> Case:
        return cls(bytes.fromhex(d["data"]), int(d["offset"]), int(str(d["supported"]), 0),
                   d.get("origin", ""))



_FIELDS = [leaf for leaf in layout.leaves(layout.ShmSignalDesc)]
_INTERESTING = {
    1: [0, 1, 2, 3, 0x7F, 0x80, 0xFE, 0xFF],
    4: [0, 1, 2, 3, 63, 64, 191, 192, 193, 255, 256, 320, 2**31, 2**32 - 1, layout.MAGIC,
        layout.MAGIC_SWAPPED],
    8: [0, 1, layout.FEATURES_KNOWN, layout.FEATURES_KNOWN | 1 << 40, 1 << 63, 2**64 - 1, 0x1F, 0x0D, 0x10],
}


def seed_descriptors(rng: random.Random) -> List[Tuple[bytes, str]]:
    """Valid descriptors to start from: the golden vectors' (every step and every
    corrupt mapping) and fresh ones from the Python engine's initialisation."""
    from abi.descriptor import initialize

    out: List[Tuple[bytes, str]] = []
    golden = json.loads(VECTORS.read_text())
    for c in golden["cases"]:
        for i, step in enumerate(c["steps"]):
            if "expect" in step:
                out.append((bytes.fromhex(step["expect"]), f"golden {c['name']} step {i}"))
    for f in golden["faults"]:
        data = bytes.fromhex(f["mapping"])
        out.append((data[f["offset"]:f["offset"] + layout.DESC_SIZE] if f["offset"] % 64 == 0 else data,
                    f"golden fault {f['name']}"))
    for creator in (0, 1):
        for offered in (0, layout.FEATURES_PLAIN, 0x0D, 0x1D, layout.FEATURE_WAITER_FLAG):
            buf = bytearray(layout.DESC_SIZE)
            iid = bytes(rng.randrange(1, 256) for _ in range(16))
            required = offered & rng.choice([0, 0x4, 0x8])
            initialize(buf, 0, creator, offered, required, iid, rng.randrange(2**32))
            out.append((bytes(buf), f"fresh creator={creator} offered=0x{offered:x}"))
            attached = bytearray(buf)  # and with the attacher's state published
            struct.pack_into("<Q", attached, 32, offered & layout.FEATURES_KNOWN)
            struct.pack_into("<I", attached, 64 + 64 * (1 - creator) + 4, rng.choice([1, 2]))
            out.append((bytes(attached), f"fresh attached creator={creator} offered=0x{offered:x}"))
    return out + c_engine_descriptors()


def c_engine_descriptors() -> List[Tuple[bytes, str]]:
    """Fresh descriptors as the C engine writes them (creator north and south)."""
    from abi.engine.c_channel import CChannel

    out = []
    with tempfile.TemporaryDirectory(prefix="shm-signal-fuzz-") as tmp:
        for creator in (0, 1):
            path = Path(tmp) / f"c{creator}"
            iid = bytes(range(creator + 1, creator + 17))  # fixed: a campaign's inputs follow its seed
            with CChannel.create(path, creator, instance_id=iid, pid=4660):
                out.append((path.read_bytes()[:layout.DESC_SIZE], f"C engine creator={creator}"))
    return out


class Mutator:
    """Makes the campaign's inputs from the seeds, deterministically from ``seed``."""

    def __init__(self, seed: int, extra_seeds: Sequence[Tuple[bytes, str]] = ()) -> None:
        self.rng = random.Random(seed)
        self.seeds = seed_descriptors(self.rng) + list(extra_seeds)
        self._sweep = self._lengths()

    def _lengths(self) -> Iterator[Case]:
        """First, every truncation of a valid descriptor, 0 to 192 bytes."""
        base = self.seeds[0][0]
        for n in range(layout.DESC_SIZE + 1):
            yield Case(base[:n], 0, layout.FEATURES_KNOWN, f"truncated to {n}")

    def __iter__(self) -> Iterator[Case]:
        return self

    def __next__(self) -> Case:
        nxt = next(self._sweep, None)
        if nxt is not None:
            return nxt
        rng = self.rng
        data, origin = rng.choice(self.seeds)
        buf = bytearray(data[:layout.DESC_SIZE].ljust(layout.DESC_SIZE, b"\0"))
        notes: List[str] = []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            notes.append(self._mutate(buf))
        offset, supported = 0, layout.FEATURES_KNOWN
        roll = rng.random()
        if roll < 0.1:  # somewhere else in a bigger mapping
            offset = 64 * rng.randrange(1, 5)
            buf = bytearray(rng.choice([bytes(offset), self._noise(offset)])) + buf
            notes.append(f"at offset {offset}")
        elif roll < 0.15:  # told a bad offset
            offset = rng.choice([1, 8, 32, 63, 96, 191, 192, 256, 4096])
            notes.append(f"bad offset {offset}")
        if rng.random() < 0.1:
            cut = rng.randrange(0, len(buf) + 1)
            buf = buf[:cut]
            notes.append(f"truncated to {cut}")
        elif rng.random() < 0.1:
            extra = rng.choice([1, 63, 64, 65, 128, 4096])
            buf += bytes(extra) if rng.random() < 0.5 else self._noise(extra)
            notes.append(f"{extra} bytes more")
        if rng.random() < 0.2:
            supported = rng.choice([0, 0x1, 0x4, 0xD, 0x1D, layout.FEATURES_KNOWN, rng.getrandbits(64)])
            notes.append(f"supported 0x{supported:x}")
        return Case(bytes(buf), offset, supported, f"{origin}: {'; '.join(notes)}")

    def _noise(self, n: int) -> bytes:
        return self.rng.getrandbits(8 * n).to_bytes(n, "little")

    def _mutate(self, buf: bytearray) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.25:
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
            return f"bit flip at {i}"
        if kind < 0.4:
            i = rng.randrange(len(buf))
            buf[i] = rng.choice(_INTERESTING[1] + [rng.randrange(256)])
            return f"byte {i} = 0x{buf[i]:02x}"
        leaf = rng.choice(_FIELDS)
        if kind < 0.9 and leaf.size in _INTERESTING:
            value = rng.choice(_INTERESTING[leaf.size] + [rng.getrandbits(8 * leaf.size)])
        else:
            value = rng.getrandbits(8 * leaf.size)
        buf[leaf.offset:leaf.offset + leaf.size] = value.to_bytes(leaf.size, "little")
        return f"{leaf.path} = 0x{value:x}"


