"""Regenerate the seed corpus of shm_signal_fuzz (abi/c_reference/fuzz/corpus/) from the
golden vectors (abi/vectors/golden.json), reproducibly: same vectors, same files.

An input is [offset byte][features byte][mapping...] (see shm_signal_fuzz.c): every
fault vector as it is (its offset and accepted features), every descriptor a golden
case reaches after a step, attached to with the engine's own feature set, and a few
layouts the vectors lack (a longer desc_size, a descriptor past 0 in a longer
mapping, offsets beyond 2^63, a descriptor with the channel's rings, regressions).
Files are named by the SHA-1 of their content, as libFuzzer names its own.

usage: python3 make_corpus.py [--check] [DIR]    (default: the corpus/ next to this
script; --check: exit 1 if DIR differs from what would be written)
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
GOLDEN = HERE.parent.parent / "vectors" / "golden.json"

DEFAULT_FEATURES = 0x40  # features byte: this build's own supported set (with MESSAGE_RINGS)
KNOWN = 0x3F  # bits 0-5; 0x80 adds an unknown bit (shm_signal_fuzz.c)
MESSAGE_RINGS = 0x40  # feature bit 6 (spec 15.6): only in this build's own set
RING_MAGIC = 0x676E6972


def offset_byte(offset: int) -> int:
    """The offset byte for a small offset (shm_signal_fuzz.c: pick_offset)."""
    k, rest = divmod(offset, 64)
    assert k < 64 and rest in (0, 32), offset
    return k | (0x40 if rest else 0)


def features_byte(features: int) -> int:
    if features & MESSAGE_RINGS:  # only this build's own set has it (shm_signal_fuzz.c)
        return DEFAULT_FEATURES
    assert features & ~KNOWN == 0, hex(features)
    return features


def entry(off_b: int, feat_b: int, mapping: bytes) -> bytes:
    return bytes([off_b, feat_b]) + mapping


def inputs() -> List[bytes]:
    golden = json.loads(GOLDEN.read_text())
    out: List[bytes] = []
    for f in golden["faults"]:
        out.append(entry(offset_byte(f["offset"]), features_byte(int(f["features"], 16)),
                         bytes.fromhex(f["mapping"])))
    for case in golden["cases"]:
        for step in case["steps"]:
            if "expect" in step:
                out.append(entry(0, DEFAULT_FEATURES, bytes.fromhex(step["expect"])))
    fresh = bytes.fromhex(next(c for c in golden["cases"] if c["name"] == "init_north")["steps"][0]["expect"])
    # desc_size 256 in a 256-byte mapping, and at offset 256 of a 1024-byte mapping
    big = bytearray(fresh) + bytes(64)
    struct.pack_into("<I", big, 8, 256)
    out.append(entry(0, DEFAULT_FEATURES, bytes(big)))
    out.append(entry(offset_byte(256), DEFAULT_FEATURES, bytes(256) + bytes(big) + bytes(512)))
    # offsets the mapping cannot reach: near 2^63 and near 2^64, aligned and not (0xc1,
    # 2^64 - 32, caught shm_signal_validate naming BAD_OFFSET at offset -32, not -1)
    for b in (0x80, 0x81, 0xC1):
        out.append(entry(b, DEFAULT_FEATURES, fresh))
    # every feature set, with an unknown bit, against a descriptor requiring 0xd
    required = bytearray(fresh)
    struct.pack_into("<Q", required, 24, 0xD)
    out.append(entry(0, 0x80 | KNOWN, bytes(required)))
    out.append(entry(0, 0x00, bytes(required)))
    out.extend(rings_inputs(fresh))
    # regressions: inputs the fuzzer found (docs in fuzz/README.md)
    out.extend(regressions())
    return out


def ring_header(capacity: int) -> bytes:
    """A fresh ring's 192-byte header (spec 15.1): magic, capacity, max_message."""
    return struct.pack("<III", RING_MAGIC, capacity, capacity - 8) + bytes(180)


def rings_inputs(fresh: bytes) -> List[bytes]:
    """MESSAGE_RINGS (spec 15.6, 6.4 rule 5): two rings of 64 data bytes after the
    descriptor (desc_size 704), attached to by this build (which accepts the rings) and
    by a peer without them (0xd); and the same offer with desc_size 640, too small."""
    rings = bytearray(fresh) + ring_header(64) + bytes(64) + ring_header(64) + bytes(64)
    struct.pack_into("<I", rings, 8, len(rings))
    struct.pack_into("<Q", rings, 16, struct.unpack_from("<Q", rings, 16)[0] | MESSAGE_RINGS)
    short = bytearray(rings)
    struct.pack_into("<I", short, 8, 640)
    return [entry(0, DEFAULT_FEATURES, bytes(rings)), entry(0, 0x0D, bytes(rings)),
            entry(0, DEFAULT_FEATURES, bytes(short))]


def regressions() -> List[bytes]:
    return []


def corpus() -> Dict[str, bytes]:
    return {hashlib.sha1(data).hexdigest(): data for data in inputs()}


def write_corpus(argv: List[str], default: Path, want: Dict[str, bytes], make_target: str) -> int:
    """``[--check] [DIR]``: write ``want`` to DIR (default ``default``), files named
    by their SHA-1, removing any other; with --check, exit 1 if DIR differs."""
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    target = Path(args[0]) if args else default
    if check:
        have = {p.name: p.read_bytes() for p in target.iterdir()} if target.is_dir() else {}
        if have != want:
            extra, lack = sorted(set(have) - set(want)), sorted(set(want) - set(have))
            print(f"{target}: stale (extra {extra}, missing {lack}); run make {make_target}", file=sys.stderr)
            return 1
        return 0
    target.mkdir(parents=True, exist_ok=True)
    for p in target.iterdir():
        if p.name not in want:
            p.unlink()
    for name, data in sorted(want.items()):
        (target / name).write_bytes(data)
    print(f"{len(want)} inputs in {target}")
    return 0


def main(argv: List[str]) -> int:
    return write_corpus(argv, HERE / "corpus", corpus(), "fuzz-corpus")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
