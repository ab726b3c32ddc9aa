"""Regenerate the seed corpus of shm_signal_ring_fuzz (abi/c_reference/fuzz/ring_corpus/)
from the ring's golden vectors (abi/vectors/ring.json), reproducibly.

An input is [side byte][region...] (see shm_signal_ring_fuzz.c): the region after
every step of every golden case, for the consumer (bit 0 clear) and the producer
(bit 0 set), and every fault vector's region for the side it names.  Files are named
by the SHA-1 of their content, as libFuzzer names its own.

usage: python3 make_ring_corpus.py [--check] [DIR]    (default: the ring_corpus/ next
to this script; --check: exit 1 if DIR differs from what would be written)
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Dict, List

from make_corpus import write_corpus  # type: ignore[import-not-found]  # (a sibling script)

HERE = Path(__file__).resolve().parent
RING = HERE.parent.parent / "vectors" / "ring.json"


def inputs() -> List[bytes]:
    vectors = json.loads(RING.read_text())
    out = []
    for case in vectors["cases"]:
        for step in case["steps"]:
            region = bytes.fromhex(step["expect"])
            out += [b"\0" + region, b"\1" + region]
    for f in vectors["faults"]:
        out.append(bytes([f["side"] == "producer"]) + bytes.fromhex(f["region"]))
    return out


def corpus() -> Dict[str, bytes]:
    return {hashlib.sha1(data).hexdigest(): data for data in inputs()}


def main(argv: List[str]) -> int:
    return write_corpus(argv, HERE / "ring_corpus", corpus(), "fuzz-ring-corpus")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
