"""Writes the generated blocks of ``shm_signal.h`` and ``docs/spec.md`` from
``abi/layout.py`` and ``abi/faults.py`` (``python -m abi generate``; ``--check``
only reports stale blocks).  Each block sits between ``@generated NAME begin`` and
``@generated NAME end`` marker lines and is replaced whole.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Dict, List

from abi import layout
from abi.faults import FAULT_DOCS, Fault

ROOT = Path(__file__).resolve().parents[2]
HEADER = ROOT / "abi" / "c_reference" / "shm_signal.h"
SPEC = ROOT / "docs" / "spec.md"


def header_constants() -> str:
    out = [
        f"#define SHM_SIGNAL_MAGIC 0x{layout.MAGIC:08x}u",
        f"#define SHM_SIGNAL_MAGIC_SWAPPED 0x{layout.MAGIC_SWAPPED:08x}u",
        f"#define SHM_SIGNAL_VERSION {layout.VERSION}u",
        f"#define SHM_SIGNAL_DESC_SIZE {layout.DESC_SIZE}u",
        f"#define SHM_SIGNAL_IRQ_SIZE {layout.IRQ_SIZE}u",
        f"#define SHM_SIGNAL_DESC_ALIGN {layout.DESC_ALIGN}u",
        f"#define SHM_SIGNAL_LOCK_BASE (UINT64_C(1) << {layout.LOCK_BASE.bit_length() - 1})",
        "",
    ]
    out += [f"#define SHM_SIGNAL_LOCALITY_{n.upper()} {i}u" for i, n in enumerate(layout.LOCALITY_NAMES)]
    out.append("")
    out += [f"#define SHM_SIGNAL_STATE_{n.upper()} {i}u" for i, n in enumerate(layout.STATE_NAMES)]
    out.append("")
    for bit, name in layout.FEATURE_NAMES.items():
        out.append(f"#define SHM_SIGNAL_F_{name} (UINT64_C(1) << {bit.bit_length() - 1})")
    out.append(f"#define SHM_SIGNAL_F_KNOWN UINT64_C(0x{layout.FEATURES_KNOWN:x})")
    out.append("")
    out += [f"#define SHM_SIGNAL_FAULT_{f.name} {f.value}" for f in Fault]
    out.append("")
    out += [
        f"#define SHM_SIGNAL_RING_MAGIC 0x{layout.RING_MAGIC:08x}u",
        f"#define SHM_SIGNAL_RING_HEADER {layout.RING_HEADER_SIZE}u",
        f"#define SHM_SIGNAL_RING_ALIGN {layout.RING_ALIGN}u",
        f"#define SHM_SIGNAL_RING_MIN_CAPACITY {layout.RING_MIN_CAPACITY}u",
        f"#define SHM_SIGNAL_RING_MAX_CAPACITY (1u << {layout.RING_MAX_CAPACITY.bit_length() - 1})",
        f"#define SHM_SIGNAL_RING_KIND_MESSAGE {layout.RING_KIND_MESSAGE}u",
        f"#define SHM_SIGNAL_RING_KIND_PADDING {layout.RING_KIND_PADDING}u",
    ]
    return "\n".join(out)


def header_asserts() -> str:
    out = []
    for cls in layout.STRUCTS:
        d = layout.describe(cls)
        out.append(f"SHM_SIGNAL_ASSERT_SIZE({d.c_name}, {d.size});")
        out += [f"SHM_SIGNAL_ASSERT_FIELD({d.c_name}, {f.name}, {f.offset}, {f.size});"
                for f in d.fields]
    return "\n".join(out)


def _table(cls: type) -> str:
    d = layout.describe(cls)
    rows = ["| offset | size | C type | byte order | written by | allowed values | field | meaning |",
            "|---:|---:|---|---|---|---|---|---|"]
    for f in d.fields:
        spec = f.spec
        assert spec is not None, f"{d.c_name}.{f.name} has no FieldSpec"
        order = "little-endian" if f.elem_size > 1 and f.struct is None else "n/a (bytes)" \
            if f.struct is None else "per member"
        zero = " **must be zero**" if f.must_be_zero and "must be zero" not in spec.values else ""
        rows.append(f"| {f.offset} | {f.size} | `{spec.c_decl}` | {order} | {spec.writer} | "
                    f"{spec.values}{zero} | `{f.name}` | {spec.doc} |")
    rows.append(f"\nTotal: {d.size} bytes (a multiple of 8); no implicit padding.")
    return "\n".join(rows)


def spec_features() -> str:
    rows = ["| bit | mask | name | meaning |", "|---:|---|---|---|"]
    for bit, name in layout.FEATURE_NAMES.items():
        rows.append(f"| {bit.bit_length() - 1} | `0x{bit:x}` | `{name}` | {layout.FEATURE_DOCS[bit]} |")
    rows.append(f"| {len(layout.FEATURE_NAMES)}-63 | | | unassigned: never offered by a v1 peer |")
    return "\n".join(rows)


def spec_faults() -> str:
    rows = ["| code | name | meaning |", "|---:|---|---|"]
    rows += [f"| {f.value} | `{f.name}` | {FAULT_DOCS[f]} |" for f in Fault]
    return "\n".join(rows)


BLOCKS: Dict[Path, Dict[str, Callable[[], str]]] = {
    HEADER: {"constants": header_constants, "asserts": header_asserts},
    SPEC: {
        "irq-table": lambda: _table(layout.ShmSignalIrq),
        "desc-table": lambda: _table(layout.ShmSignalDesc),
        "ring-header-table": lambda: _table(layout.ShmSignalRingHeader),
        "ring-record-table": lambda: _table(layout.ShmSignalRingRecord),
        "features": spec_features,
        "faults": spec_faults,
    },
}

_BLOCK = re.compile(r"(?P<open>^[^\n]*@generated (?P<name>[\w-]+) begin[^\n]*\n)(?P<body>.*?)"
                    r"(?P<close>^[^\n]*@generated (?P=name) end[^\n]*$)", re.S | re.M)


def render(text: str, blocks: Dict[str, Callable[[], str]], where: str = "") -> str:
    """``text`` with every named generated block rewritten."""
    seen: List[str] = []

    def repl(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in blocks:
            raise KeyError(f"{where}: unknown generated block {name!r}")
        seen.append(name)
        return m.group("open") + blocks[name]() + "\n" + m.group("close")

    out = _BLOCK.sub(repl, text)
    missing = set(blocks) - set(seen)
    if missing:
        raise KeyError(f"{where}: generated block(s) missing: {', '.join(sorted(missing))}")
    return out


def stale(files: Dict[Path, Dict[str, Callable[[], str]]] = BLOCKS) -> List[Path]:
    """Files whose generated blocks differ from what would be generated now."""
    return [p for p, blocks in files.items() if render(p.read_text(), blocks, str(p)) != p.read_text()]


def write(files: Dict[Path, Dict[str, Callable[[], str]]] = BLOCKS) -> List[Path]:
    """Rewrite stale files; returns those written."""
    written = []
    for p, blocks in files.items():
        text = p.read_text()
        new = render(text, blocks, str(p))
        if new != text:
            p.write_text(new)
            written.append(p)
    return written
