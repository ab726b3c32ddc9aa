"""``shm-signal inspect``: decode a (possibly live) descriptor in a mapping file.

The file is read, never written: one read of the descriptor's bytes gives the
snapshot that is validated (:func:`abi.descriptor.validate`, so the refusal is the
same fault code every conforming peer would give) and then decoded.  The liveness
locks (spec section 9) are probed without being taken.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from abi import layout
from abi.descriptor import check_geometry, check_snapshot
from abi.faults import ShmSignalFault

_MUST_BE_ZERO = ("reserved", "pad")


def field_at(offset: int) -> str:
    """The C member designator of the descriptor byte at ``offset`` (0-191), e.g.
    ``irq[1].pending`` or ``features_offered (byte 2)`` inside a multi-byte field."""
    for leaf in layout.leaves(layout.ShmSignalDesc):
        if leaf.offset <= offset < leaf.offset + leaf.size:
            return leaf.path if leaf.size == 1 else f"{leaf.path} (byte {offset - leaf.offset})"
    return f"byte {offset} (beyond the v1 descriptor)"


def feature_names(bits: int) -> List[str]:
    names = [name for bit, name in layout.FEATURE_NAMES.items() if bits & bit]
    unknown = bits & ~layout.FEATURES_KNOWN
    if unknown:
        names.append(f"unknown 0x{unknown:x}")
    return names


@dataclass
class Inspection:
    """What ``inspect`` found: ``fault`` is set when the descriptor is refused;
    ``fields`` holds the decoded values (also for a refused one, when readable)."""

    path: str
    offset: int
    length: int
    fault: Optional[ShmSignalFault]
    fields: Optional[Dict[str, Any]]

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"path": self.path, "offset": self.offset, "file_length": self.length,
                               "valid": self.fault is None}
        if self.fault is not None:
            f = self.fault
            out["fault"] = {"code": int(f.code), "name": f.code.name, "field": f.field,
                            "offset": f.offset, "expected": _plain(f.expected),
                            "actual": _plain(f.actual), "message": str(f)}
        if self.fields is not None:
            out["descriptor"] = self.fields
        return out


def _plain(v: object) -> object:
    return v if v is None or isinstance(v, (int, str, float, bool)) else str(v)


def _lock_state(fd: int, offset: int, locality: int) -> str:
    """'held' / 'free' for the record's liveness byte, or 'unknown'.  POSIX can ask
    without taking the lock (F_OFD_GETLK, F_GETLK); on Windows probing means locking,
    which a peer attaching at that moment would see as LOCALITY_BUSY (and a read-only
    handle cannot take a write lock at all), so inspect does not probe there."""
    try:
        from abi.engine import liveness

        kind = liveness.choose()
        if kind.name == "windows":
            return "unknown"
        return "held" if kind.probe(fd, liveness.lock_offset(offset, locality)) else "free"
    except Exception:  # no lock support here: say so rather than fail the decoding
        return "unknown"


def decode(raw: bytes) -> Dict[str, Any]:
    """The 192 bytes of a descriptor as a JSON-able dict."""
    d = layout.ShmSignalDesc.from_buffer_copy(raw[:layout.DESC_SIZE])
    # with WAITER_FLAG offered, pad0 is the owner's waiting flag, not reserved (spec 7.5)
    waiter = bool(d.features_offered & getattr(layout, "FEATURE_WAITER_FLAG", 0))
    reserved: Dict[str, str] = {}
    for leaf in layout.leaves(layout.ShmSignalDesc):
        if waiter and leaf.path.endswith(".pad0"):
            continue
        if any(p.startswith(_MUST_BE_ZERO) for p in leaf.path.replace("[", ".").split(".")):
            chunk = raw[leaf.offset:leaf.offset + leaf.size]
            if any(chunk):
                reserved[leaf.path] = chunk.hex()
    irqs = []
    for loc in (0, 1):
        r = d.irq[loc]
        irqs.append({
            "locality": loc, "name": layout.LOCALITY_NAMES[loc],
            "role": "creator" if d.creator == loc else "attacher",
            "enabled": r.enabled, "pending": r.pending, "dirty": r.dirty,
            "state": r.state,
            "state_name": layout.STATE_NAMES[r.state] if r.state < len(layout.STATE_NAMES) else "invalid",
            "pid": r.pid, "notify_count": r.notify_count,
            "waiting": r.pad0 if waiter else None,
        })
    return {
        "magic": f"0x{d.magic:08x}", "version": d.version, "desc_size": d.desc_size,
        "creator": d.creator,
        "features_offered": f"0x{d.features_offered:x}",
        "features_required": f"0x{d.features_required:x}",
        "features_accepted": f"0x{d.features_accepted:x}",
        "features_offered_names": feature_names(d.features_offered),
        "features_required_names": feature_names(d.features_required),
        "features_accepted_names": feature_names(d.features_accepted),
        "instance_id": bytes(d.instance_id).hex(),
        "reserved_nonzero": reserved,
        "irq": irqs,
        "raw": raw[:layout.DESC_SIZE].hex(),
    }


class Unreadable(OSError):
    """The path cannot be inspected: not a regular file, or it keeps changing."""


SIZE_TRIES = 3  # reads racing a file that changes size, before giving up


def inspect_file(path: str, offset: int = 0, supported: int = layout.FEATURES_KNOWN) -> Inspection:
    """Read and validate the descriptor at ``offset`` of ``path``.

    Raises :class:`OSError` (:class:`Unreadable` for what is no regular file, or a
    file whose size keeps changing while it is read) when there is nothing to
    decode, and ``ValueError`` for an offset that cannot be a file offset.  Never
    blocks on a FIFO and never allocates more than a descriptor's worth."""
    from abi.engine.arguments import check_offset

    offset = check_offset(offset)
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(errno.EINVAL, f"not a regular file ({_kind(st.st_mode)})")
        for _ in range(SIZE_TRIES):
            length = os.fstat(fd).st_size
            # one read: the snapshot the checks and the decoding both use
            raw = _read_at(fd, offset) if length > offset else b""
            if os.fstat(fd).st_size == length:
                break
        else:
            raise Unreadable(errno.EAGAIN, f"the file changed size {SIZE_TRIES} times while it was read")
        fault: Optional[ShmSignalFault] = None
        try:
            # Only the bytes read are materialised; the geometry uses the real numbers.
            check_geometry(offset, length)
            check_snapshot(layout.ShmSignalDesc.from_buffer_copy(raw), offset, length, supported)
        except ShmSignalFault as exc:
            fault = exc
        fields = decode(raw) if len(raw) == layout.DESC_SIZE else None
        if fields is not None:
            for rec in fields["irq"]:
                rec["liveness_lock"] = _lock_state(fd, offset, rec["locality"])
        return Inspection(path, offset, length, fault, fields)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    for test, name in kinds:
        if test(mode):
            return name
    return "not a regular file"


def _read_at(fd: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, layout.DESC_SIZE, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, layout.DESC_SIZE)


def render(ins: Inspection, *, with_raw: bool = False) -> str:
    """The human table."""
    lines = [f"{ins.path} @ offset {ins.offset} (file {ins.length} bytes)"]
    if ins.fault is not None:
        f = ins.fault
        lines.append(f"REFUSED: fault {int(f.code)} {f.code.name}: field {f.field} at offset {f.offset}: "
                     f"expected {f.expected}, actual {f.actual}")
    else:
        lines.append("valid descriptor")
    d = ins.fields
    if d is None:
        return "\n".join(lines)
    if ins.fault is not None:
        lines.append("(decoded anyway; the values below are what the bytes say)")
    lines += [
        "",
        f"  magic              {d['magic']}",
        f"  version            {d['version']}",
        f"  desc_size          {d['desc_size']}",
        f"  creator            {d['creator']} ({_loc_name(d['creator'])})",
        f"  features_offered   {d['features_offered']:<6} {' '.join(d['features_offered_names'])}",
        f"  features_required  {d['features_required']:<6} {' '.join(d['features_required_names'])}",
        f"  features_accepted  {d['features_accepted']:<6} {' '.join(d['features_accepted_names'])}",
        f"  instance_id        {d['instance_id']}",
        "  reserved bytes     " + ("all zero" if not d["reserved_nonzero"] else
                                  "NONZERO: " + ", ".join(f"{k}={v}" for k, v in
                                                          d["reserved_nonzero"].items())),
        "",
        "  locality   role      enabled pending dirty waiting state        pid        notify_count lock",
    ]
    for r in d["irq"]:
        waiting = "-" if r["waiting"] is None else str(r["waiting"])
        lines.append(f"  {r['locality']} {r['name']:<8} {r['role']:<9} {r['enabled']:>7} {r['pending']:>7} "
                     f"{r['dirty']:>5} {waiting:>7} {r['state']} {r['state_name']:<10} {r['pid']:<10} "
                     f"{r['notify_count']:>12} {r.get('liveness_lock', '-')}")
    if with_raw:
        lines.append("")
        for i in range(0, layout.DESC_SIZE, 16):
            chunk = d["raw"][2 * i:2 * i + 32]
            lines.append(f"  {i:4d}  " + " ".join(chunk[j:j + 2] for j in range(0, 32, 2)))
    return "\n".join(lines)


def _loc_name(v: int) -> str:
    return layout.LOCALITY_NAMES[v] if v in (0, 1) else "invalid"
