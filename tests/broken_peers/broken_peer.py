"""A deliberately broken peer for the check-peer tests: the Python reference peer
(``abi.conformance.peer``) with exactly one named mistake, chosen by ``--break NAME``.

Each mistake is one a real implementation makes; ``tests/test_check_peer.py`` checks
that the conformance case named for it in ``BREAKS`` catches it.  Nothing here is
shipped: the reference peers stay correct.

    python tests/broken_peers/broken_peer.py --break ignores_pending
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from abi import layout  # noqa: E402
from abi.conformance.peer import USAGE, Peer, PeerError, serve  # noqa: E402
from abi.faults import Fault, ShmSignalFault  # noqa: E402

# mistake -> (the check-peer case that must catch it, what the mistake is)
BREAKS: Dict[str, tuple] = {
    "byte_order": ("vector.init_north.peer_north_creator",
                   "writes every multi-byte field big-endian"),
    "reserved_garbage": ("vector.init_north.peer_north_creator",
                         "leaves garbage in reserved0 after create"),
    "ignores_pending": ("semantics.coalescing_peer_injects",
                        "notifies on every inject into an enabled owner, pending or not"),
    "never_clears_pending": ("semantics.coalescing_reference_injects",
                             "its wakeup clears dirty but never pending"),
    "accepts_bad_magic": ("fault.bad_magic",
                          "attaches to a descriptor whose magic is wrong"),
    "ignores_reserved": ("fault.reserved0_nonzero",
                         "attaches to a descriptor with nonzero reserved bytes"),
    "wrong_fault_order": ("fault.reserved_before_instance_id",
                          "checks instance_id before the reserved bytes (spec 6.4 order)"),
    "no_liveness_lock": ("liveness.locality_busy",
                         "attaches without holding its liveness lock"),
    "close_without_dirty": ("semantics.close_by_peer",
                            "closes without setting the remote's dirty"),
    "close_without_wake": ("semantics.close_wakes_disabled_owner",
                           "its close stores closed and dirty but wakes nobody"),
    "creates_0644": ("handshake.create_mode_and_random_id", "creates the file with mode 0644"),
    "ignores_offset": ("handshake.create_at_offset", "creates every descriptor at offset 0"),
    "ignores_required": ("fault.unsupported_required",
                         "attaches although a required feature is one it does not implement"),
    "ignores_busy": ("fault.locality_busy", "attaches to a record a live peer holds"),
    "unbounded_wakeup": ("semantics.wakeup_budget_against_a_flood",
                         "its wakeup ignores the budget it is given"),
    "enable_without_wakeup": ("semantics.masking",
                              "enable stores enabled but does not run the wakeup for work already there"),
    "disable_ignored": ("semantics.masking", "answers disable but stays enabled"),
    "no_waiting_flag": ("waiter.peer_parks",
                        "parks without setting its waiting flag (pad0) under WAITER_FLAG"),
    "wakes_wrong_word": ("stress.peer_injects", "inject wakes its own wait word instead of the owner's"),
    "no_reattach": ("vector.reattach_after_close.peer_south_attacher",
                    "refuses to attach as a locality whose record is closed"),
    "renegotiates_on_reattach": ("fault.reattach_keeps_features",
                                 "a re-attach accepts offered & supported afresh instead of keeping "
                                 "the set the creator already uses"),
    "shrinks_file": ("handshake.create_at_offset", "truncates the file to the end of its descriptor"),
    "single_use": ("protocol.one_channel", "answers USAGE to create and attach after a close"),
    "follows_links": ("handshake.no_links_followed", "resolves a symbolic link and uses the file it names"),
    "clobbers_foreign_bytes": ("handshake.exist_ok_spares_foreign_bytes",
                               "with exist_ok, zeroes what is not a descriptor and creates over it"),
    "trusts_accepted": ("handshake.creator_checks_accepted",
                        "takes features_accepted as the attacher wrote it, unchecked"),
    "writes_past_192": ("handshake.bytes_past_192_untouched",
                        "writes into the bytes past 192 of a larger descriptor"),
    "wait_overruns": ("semantics.wait", "a wait that times out returns 1.5 s late"),
    "creates_over_live": ("handshake.create_refuses_a_live_descriptor",
                          "with exist_ok, writes a descriptor over one whose creator is alive"),
    "magic_first": ("handshake.magic_published_last",
                    "publishes the magic before the rest of the descriptor"),
    "ignores_death": ("liveness.peer_notices_death", "its wait answers ready=0 when the peer has died"),
    "read_lock_is_life": ("liveness.read_lock_is_not_life",
                          "counts any lock on a liveness byte, a reader's read lock too, as the owner's"),
    "doorbell_never_rung": ("doorbell.peer_rings",
                            "under GROUP_DOORBELL, wakes the channel word whatever the waiting byte: an "
                            "owner parked on the doorbell (waiting byte 2) is never rung"),
    "doorbell_in_own_descriptor": ("doorbell.peer_rings",
                                   "rings the doorbell word of the channel's own descriptor, not the head's"),
    "doorbell_without_head": ("doorbell.no_head_not_accepted",
                              "accepts GROUP_DOORBELL whatever is at file offset 0"),
    # a SHOULD: caught as an advisory result, never a failure of the run
    "terse_faults": ("protocol.fault_message_fields", "its fault messages carry no field=, offset=, ..."),
    "unguarded": ("liveness.survives_a_shrunk_file",
                  "maps the file without a SIGBUS guard: a file cut short kills it"),
    "fixed_instance_id": ("handshake.create_mode_and_random_id",
                          "writes the same instance_id on every create"),
    "wrong_locality": ("vector.negotiate_all.peer_south_attacher",
                       "attaches as the creator's locality instead of the free one"),
    "late_dirty": ("stress.peer_injects",
                   "inject loads enabled/pending before it stores dirty (no store-then-load order): "
                   "a wake-up is lost when the owner clears pending in between"),
    "stale_waiting_byte": ("stress.peer_injects_waiter_flag",
                           "with WAITER_FLAG, inject decides whether to wake from the waiting byte "
                           "loaded before it set pending (spec 7.1 step 5 forbids it): a wake-up is "
                           "lost when the owner parks in between"),
    "hangs": ("semantics.masking", "never answers 'disable'"),
    "dies": ("semantics.wait", "exits in the middle of 'wait'"),
    "garbage_reply": ("semantics.masking",
                      "answers 'wakeup' with a line that is neither ok nor err"),
    # found by check-peer --fuzz (abi/conformance/peer_fuzz.py), not by any fixed vector
    "reserved_first": ("fuzz.validator",
                       "checks the reserved bytes before everything else (spec 6.4 puts them 8th)"),
    "desc_size_any": ("fuzz.validator", "accepts a desc_size that is not a multiple of 64"),
    "ring_trusts_head": ("ring.fault.recv_head_beyond_capacity",
                         "its consumer takes any head the producer stores"),
    "ring_kind_unchecked": ("ring.fault.recv_unknown_kind",
                            "its consumer reads a record of any kind as a message"),
    "ring_garbage_fill": ("ring.vector.fill_and_drain",
                          "its producer leaves what was there in a record's fill bytes"),
    "ring_no_inject": ("ring.stream_from_peer", "its producer publishes without injecting"),
    "rings_swapped": ("ring.channel_peer_creates", "lays south's ring out first, where north's goes"),
    "rings_offered_anyway": ("ring.channel_no_rings_no_offer", "offers MESSAGE_RINGS with no rings laid out"),
    "rings_over_foreign_bytes": ("ring.channel_rings_spare_foreign_bytes",
                                 "lays its rings out over whatever bytes are there"),
    "rings_unchecked_fit": ("ring.channel_rings_must_fill_desc_size",
                            "opens the channel's rings without checking that they fill desc_size"),
    "ring_padding_silent": ("ring.padding_wakes_the_consumer",
                            "its producer does not inject when a padding record it published leaves it no "
                            "room"),
    "ring_trusts_tail": ("ring.fault.send_tail_ahead_of_head",
                         "its producer takes any tail the consumer stores"),
    "ring_ignores_tail": ("ring.vector.fill_and_drain",
                          "its producer never looks at tail: it writes over what was not read"),
    "ring_header_garbage": ("ring.vector.empty", "its ring_create leaves a byte of reserved0 set"),
    "ring_short_padding": ("ring.vector.padding",
                           "its padding record's length stops 8 bytes short of the end"),
    "ring_lazy_tail": ("ring.vector.fill_and_drain",
                       "its consumer stores tail after every second message only"),
    "ring_fault_misnamed": ("ring.fault.recv_unknown_kind", "its ring faults name the wrong field"),
    "ring_open_order": ("ring.fault.consumer_open_both_not_aligned",
                        "its consumer checks its own tail before head at open"),
    "ring_no_room_wake": ("ring.stream_to_peer", "its consumer never wakes a producer that waits for room"),
}

# mistake -> the requirement of docs/spec.md it breaks (abi/conformance/requirements.json);
# the case that catches it must be one that the table links to that requirement
BREAKS_REQUIREMENT: Dict[str, str] = {
    "byte_order": "R2-1", "reserved_garbage": "R4-1", "ignores_pending": "R7.1-1",
    "never_clears_pending": "R7.2-1", "accepts_bad_magic": "R6.4-1", "ignores_reserved": "R4-2",
    "wrong_fault_order": "R6.4-1", "no_liveness_lock": "R9-2", "close_without_dirty": "R9-1",
    "close_without_wake": "R9-1", "creates_0644": "R6.1-2", "fixed_instance_id": "R6.1-5",
    "wrong_locality": "R6.3-1", "late_dirty": "R7.1-1", "hangs": "R13-3", "dies": "R13-3",
    "garbage_reply": "R13-3", "reserved_first": "R6.4-1", "desc_size_any": "R6.4-1",
    "ignores_offset": "R5-1", "ignores_required": "R6.2-1", "ignores_busy": "R6.3-2",
    "unbounded_wakeup": "R7.2-2", "enable_without_wakeup": "R7.3-1", "disable_ignored": "R7.4-1",
    "no_waiting_flag": "R7.5-2", "wakes_wrong_word": "R8.1-1", "no_reattach": "R9-7",
    "shrinks_file": "R9-8", "single_use": "R13-2", "follows_links": "R6.1-1",
    "clobbers_foreign_bytes": "R6.1-4", "trusts_accepted": "R6.2-3", "writes_past_192": "R4-3",
    "wait_overruns": "R7.5-1", "creates_over_live": "R6.1-3", "terse_faults": "R13-1",
    "ignores_death": "R9-10", "read_lock_is_life": "R9-3", "magic_first": "R6.1-6",
    "renegotiates_on_reattach": "R6.3-3", "stale_waiting_byte": "R7.1-2", "unguarded": "R9-9",
    "doorbell_never_rung": "R7.8-3", "doorbell_in_own_descriptor": "R7.8-1",
    "doorbell_without_head": "R6.3-4", "ring_trusts_head": "R15-6", "ring_kind_unchecked": "R15-7",
    "ring_garbage_fill": "R15-5", "ring_no_inject": "R15-11", "ring_no_room_wake": "R15-12",
    "ring_trusts_tail": "R15-4", "ring_ignores_tail": "R15-1", "ring_header_garbage": "R15-2",
    "ring_short_padding": "R15-3", "ring_lazy_tail": "R15-8", "ring_fault_misnamed": "R15-9",
    "ring_open_order": "R15-10", "ring_padding_silent": "R15-16", "rings_swapped": "R15-13",
    "rings_offered_anyway": "R15-14", "rings_over_foreign_bytes": "R6.1-7", "rings_unchecked_fit": "R15-15",
}

_RESERVED = [(leaf.path, leaf.offset, leaf.size) for leaf in layout.leaves(layout.ShmSignalDesc)
             if leaf.path.split(".")[-1].startswith("reserved")]


def _patch(path: str, offset: int, data: bytes) -> None:
    """Write bytes into the mapping file behind the engine's back."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.pwrite(fd, data, offset)
    finally:
        os.close(fd)


class BrokenPeer(Peer):
    def __init__(self, mistake: str) -> None:
        super().__init__("python")
        self.mistake = mistake
        self.path = ""
        self.offset = 0
        self.closed_once = False
        self.ring_offset = 0
        if mistake == "read_lock_is_life":
            from abi.engine import liveness

            def any_lock(kind: Any, fd: int, offset: int) -> bool:  # the old, wrong probe
                out = kind.fcntl.fcntl(fd, kind.getlk, kind._flock(kind.fcntl.F_WRLCK, offset))
                return bool(struct.unpack_from("@h", out, kind.type_at)[0] != kind.fcntl.F_UNLCK)

            liveness._FcntlLocks.probe = any_lock  # type: ignore[method-assign]
        if mistake.startswith("doorbell_"):
            self._break_doorbell(mistake)
        if mistake in ("ring_trusts_head", "ring_trusts_tail", "ring_kind_unchecked", "ring_short_padding",
                       "ring_ignores_tail", "ring_lazy_tail", "ring_padding_silent"):
            self._break_ring(mistake)
        if mistake == "rings_over_foreign_bytes":
            from abi import descriptor

            descriptor._check_ring_room = lambda tail, old_size: None
        if mistake == "rings_unchecked_fit":
            from abi.engine import ring

            ring._check_fill = lambda size, c0, c1: None
        if mistake == "desc_size_any":
            from abi import descriptor

            real = descriptor.check_snapshot

            def rounding(d: Any, *a: Any, **kw: Any) -> Any:  # treats 193 as 256, say
                if d.desc_size >= layout.DESC_SIZE and d.desc_size % layout.DESC_ALIGN:
                    d = layout.ShmSignalDesc.from_buffer_copy(bytes(d))
                    d.desc_size += layout.DESC_ALIGN - d.desc_size % layout.DESC_ALIGN
                return real(d, *a, **kw)

            descriptor.check_snapshot = rounding

    @staticmethod
    def _break_ring(mistake: str) -> None:
        from abi.engine import ring

        if mistake in ("ring_trusts_head", "ring_trusts_tail"):
            real = ring._Side._check_other
            role = "consumer" if mistake == "ring_trusts_head" else "producer"

            def trusting(side: Any, own: int, other: int) -> int:
                if side.role == role:  # no range check
                    return (other - own if role == "consumer" else own - other) & 0xFFFFFFFF
                return int(real(side, own, other))

            ring._Side._check_other = trusting  # type: ignore[method-assign]
        elif mistake == "ring_ignores_tail":
            send = ring.Producer.send

            def blind_send(side: Any, data: Any) -> bool:
                side._seen = side.index  # "the consumer has read everything"
                return bool(send(side, data))

            ring.Producer.send = blind_send  # type: ignore[method-assign]
        elif mistake == "ring_padding_silent":
            def try_send(sender: Any, data: Any) -> bool:  # injects only once the message is out
                if not sender.producer.send(data):
                    return False
                sender.channel.inject()
                return True

            ring.RingSender.try_send = try_send  # type: ignore[method-assign]
        elif mistake == "ring_lazy_tail":
            release = ring.Consumer._release

            def lazy(side: Any, tail: int) -> None:
                side.lazy = not getattr(side, "lazy", False)
                if side.lazy:
                    side._held, side.index = False, tail  # (no store)
                else:
                    release(side, tail)

            ring.Consumer._release = lazy  # type: ignore[method-assign]
        else:
            ring._LE = _RecordHeaders(ring._LE, mistake)  # type: ignore[assignment]

    def cmd_ring_open(self, args: List[str]) -> str:
        if self.mistake == "ring_open_order" and self.ch is not None and args[1:] == ["consumer"]:
            at = int(args[0], 0) + layout.RING_TAIL_OFFSET
            tail = int.from_bytes(self.ch.buffer[at:at + 4], "little")
            if tail & 7:  # its own index first
                raise ShmSignalFault(Fault.BAD_RING, "tail not a multiple of 8", field="tail",
                                     offset=layout.RING_TAIL_OFFSET, expected="a multiple of 8", actual=tail)
        out = super().cmd_ring_open(args)
        mute = {"ring_no_inject": "producer", "ring_no_room_wake": "consumer"}.get(self.mistake)
        if mute in self.rings:
            self.rings[mute].channel = _NoInject(self.ch)
        return out

    def cmd_ring_send(self, args: List[str]) -> str:
        out = super().cmd_ring_send(args)
        tx = self.rings.get("producer")
        if self.mistake == "ring_garbage_fill" and out == "sent=1" and tx is not None:
            side = tx.producer
            n = 0 if args[0] == "-" else len(args[0]) // 2
            size = 8 + (n + 7) // 8 * 8
            data_at = self.ring_offset + 192 + ((side.index - size) & (side.capacity - 1)) + 8
            self.ch.buffer[data_at + n:data_at + size - 8] = b"\xa5" * (size - 8 - n)
        return out

    def cmd_ring_create(self, args: List[str]) -> str:
        self.ring_offset = int(args[0], 0)
        out = super().cmd_ring_create(args)
        if self.mistake == "ring_header_garbage":
            self.ch.buffer[self.ring_offset + 20] = 1
        return out

    @staticmethod
    def _break_doorbell(mistake: str) -> None:
        from abi.engine import handshake
        from abi.engine.channel import Channel

        if mistake == "doorbell_without_head":
            handshake._may_ring = lambda accepted, offset, mapping, ordering: bool(  # type: ignore[assignment]
                accepted & layout.FEATURE_WAITER_FLAG and ordering.can_ring)
            return

        def notify(self: Any, waiting: int) -> None:
            if mistake == "doorbell_in_own_descriptor" and self._bell and waiting & 2:
                key = 2 + self.remote_locality
                self._ordering.ring(self._words[key] + self.offset)  # the channel's own descriptor
                self._backend.wake(key)
                return
            self._backend.wake(self.remote_locality)

        Channel._notify = notify  # type: ignore[method-assign]

    def _single_use(self) -> None:
        if self.mistake == "single_use" and self.closed_once:
            raise PeerError(USAGE, "this peer holds one channel in its life")

    def _resolve(self, args: List[str]) -> List[str]:
        if self.mistake == "follows_links" and args:
            return [os.path.realpath(args[0]), *args[1:]]
        return args

    def cmd_create(self, args: List[str]) -> str:
        self._single_use()
        args = self._resolve(args)
        if self.mistake == "rings_swapped":
            args = [",".join(reversed(a[6:].split(","))).join(("rings=", "")) if a.startswith("rings=") else a
                    for a in args]
        if self.mistake == "rings_offered_anyway" and not any(a.startswith("rings=") for a in args):
            out = super().cmd_create(args)
            at = self.offset + layout.ShmSignalDesc.features_offered.offset
            offered = int.from_bytes(self.ch.buffer[at:at + 8], "little")
            _patch(args[0], at, (offered | layout.FEATURE_MESSAGE_RINGS).to_bytes(8, "little"))
            return out
        if self.mistake == "creates_over_live" and "exist_ok=1" in args:
            try:
                return super().cmd_create(args)
            except ShmSignalFault as exc:
                if exc.code != Fault.LOCALITY_BUSY:
                    raise
                from abi.descriptor import initialize

                raw = bytearray(Path(args[0]).read_bytes())
                initialize(raw, 0, int(args[1]), 0, 0, os.urandom(16), os.getpid())
                _patch(args[0], 0, bytes(raw[:layout.DESC_SIZE]))
                return f"locality={int(args[1])}"  # "created", without the channel
        magic = layout.MAGIC.to_bytes(4, "little")
        if self.mistake == "clobbers_foreign_bytes" and "exist_ok=1" in args and os.path.exists(args[0]) \
                and Path(args[0]).read_bytes()[:4] != magic:
            _patch(args[0], 0, bytes(layout.DESC_SIZE))  # "not a descriptor: mine now"
        if self.mistake == "magic_first" and args:
            # the channel lives in a staged file; the named one gets its bytes magic first
            out = super().cmd_create([args[0] + ".staged", *args[1:]])
            raw = self.ch.descriptor_bytes()
            with open(args[0], "wb") as f:
                f.write(raw[:4] + bytes(layout.DESC_SIZE - 4))
                f.flush()
                time.sleep(0.002)
                f.seek(4)
                f.write(raw[4:])
            return out
        if self.mistake == "ignores_offset":
            args = [a for a in args if not a.startswith("offset=")]
        out = super().cmd_create(args)
        self.path, self.offset = args[0], self.ch.offset
        if self.mistake == "shrinks_file":
            os.truncate(self.path, self.offset + layout.DESC_SIZE)
        if self.mistake == "byte_order":
            raw = bytearray(self.ch.descriptor_bytes())
            for leaf in layout.leaves(layout.ShmSignalDesc):
                if leaf.size > 1:
                    raw[leaf.offset:leaf.offset + leaf.size] = raw[leaf.offset:leaf.offset + leaf.size][::-1]
            _patch(self.path, self.offset, bytes(raw))
        elif self.mistake == "reserved_garbage":
            _patch(self.path, self.offset + 56, b"\xa5" * 8)
        elif self.mistake == "creates_0644":
            os.chmod(self.path, 0o644)
        elif self.mistake == "fixed_instance_id":
            _patch(self.path, self.offset + layout.ShmSignalDesc.instance_id.offset, b"\x42" * 16)
        return out

    def cmd_attach(self, args: List[str]) -> str:
        self._single_use()
        args = self._resolve(args)
        if args:
            self.path = args[0]
        if self.mistake == "ignores_required":
            args = [a for a in args if not a.startswith("features=")] + [f"features=0x{2**64 - 1:x}"]
        if self.mistake == "no_reattach" and args:
            raw = Path(args[0]).read_bytes()
            states = [struct.unpack_from("<I", raw, layout.IRQ_OFFSET + layout.IRQ_SIZE * loc + 4)[0]
                      for loc in (0, 1)]
            if len(raw) >= layout.DESC_SIZE and layout.STATE_CLOSED in states:
                raise ShmSignalFault(Fault.LOCALITY_BUSY, "will not take over a closed record")
        if self.mistake == "renegotiates_on_reattach" and args:
            self._forget_the_session(args)
        if self.mistake == "reserved_first" and args:
            offset = int(dict(a.split("=", 1) for a in args[1:] if "=" in a).get("offset", "0"), 0)
            with open(args[0], "rb") as f:
                f.seek(offset)
                raw = f.read(layout.DESC_SIZE)
            for name, at, size in _RESERVED:
                if any(raw[at:at + size]):
                    raise ShmSignalFault(Fault.RESERVED_NONZERO, "reserved bytes first", field=name,
                                         offset=at)
        try:
            out = super().cmd_attach(args)
        except ShmSignalFault as exc:
            accept = {"accepts_bad_magic": (Fault.BAD_MAGIC,), "ignores_reserved": (Fault.RESERVED_NONZERO,),
                      "ignores_busy": (Fault.LOCALITY_BUSY,)}
            if exc.code in accept.get(self.mistake, ()):
                return "locality=1 features=0x0"  # "attached" without looking further
            if self.mistake == "wrong_fault_order" and exc.code == Fault.RESERVED_NONZERO:
                raise ShmSignalFault(Fault.BAD_INSTANCE_ID, "checked instance_id first") from None
            raise
        self.offset = self.ch.offset
        if self.mistake == "writes_past_192":
            raw = Path(self.path).read_bytes()
            if int.from_bytes(raw[8:12], "little") > layout.DESC_SIZE:
                _patch(self.path, self.offset + layout.DESC_SIZE + 8, b"\xee")
        if self.mistake == "no_liveness_lock":
            self.ch._file.unlock(self.ch._lock_byte)
        if self.mistake == "wrong_locality":
            return out.replace(f"locality={self.ch.locality}", f"locality={1 - self.ch.locality}")
        return out

    @staticmethod
    def _forget_the_session(args: List[str]) -> None:
        """Make a re-attach look like a first attach (free record empty, nothing
        accepted), so the engine accepts offered & supported afresh; the attach
        overwrites both fields, so only the negotiated set shows the mistake."""
        offset = int(dict(a.split("=", 1) for a in args[1:] if "=" in a).get("offset", "0"), 0)
        try:
            with open(args[0], "rb") as f:
                f.seek(offset)
                raw = f.read(layout.DESC_SIZE)
        except OSError:
            return
        if len(raw) < layout.DESC_SIZE or struct.unpack_from("<I", raw, 12)[0] > 1:
            return
        state_at = layout.IRQ_OFFSET + layout.IRQ_SIZE * (1 - struct.unpack_from("<I", raw, 12)[0]) + 4
        if struct.unpack_from("<I", raw, state_at)[0] != layout.STATE_EMPTY:
            _patch(args[0], offset + state_at, struct.pack("<I", layout.STATE_EMPTY))
            _patch(args[0], offset + 32, bytes(8))

    def _late_dirty_inject(self, args: List[str]) -> str:
        ch = self._need()
        count = int(args[0], 0) if args else 1
        pause = int(args[1], 0) if len(args) > 1 else 0
        rem = self.offset + layout.IRQ_OFFSET + layout.IRQ_SIZE * ch.remote_locality
        mm = ch.buffer
        notified = 0
        stale = self.mistake == "stale_waiting_byte"
        for i in range(count):
            if i and pause:
                self._pause(pause)
            if stale:  # dirty, then (the Python engine's fences are not needed for the race)
                mm[rem + 2] = 1
            enabled, pending, waiting = mm[rem], mm[rem + 1], mm[rem + 3]  # the word, once
            end = time.perf_counter() + 50e-6  # (a window wide enough to lose one soon)
            while time.perf_counter() < end:
                pass
            mm[rem + 2] = 1  # late_dirty: ... store dirty after
            ch._counts[0] += 1  # injects (abi.engine.channel._INJECTS)
            if enabled and not pending:
                mm[rem + 1] = 1
                if stale and not waiting:  # the mistake: no reload after pending (F6)
                    continue
                if (ch.features or 0) & layout.FEATURE_NOTIFY_COUNT:
                    n = struct.unpack_from("<Q", mm, rem + 16)[0]
                    struct.pack_into("<Q", mm, rem + 16, n + 1)
                ch._backend.wake(ch.remote_locality)
                ch._counts[1] += 1  # notifications
                notified += 1
        return f"notified={notified}"

    def cmd_inject(self, args: List[str]) -> str:
        if self.mistake == "wakes_wrong_word":
            ch = self._need()
            _ = ch.features  # a creator's backend for the negotiated set, before patching it
            backend = ch._backend
            if backend is not None and not getattr(backend, "patched", False):
                real = backend.wake
                backend.wake = lambda locality: real(1 - locality)  # type: ignore[method-assign]
                backend.patched = True  # type: ignore[attr-defined]
        if self.mistake in ("late_dirty", "stale_waiting_byte"):
            return self._late_dirty_inject(args)
        if self.mistake != "ignores_pending":
            return super().cmd_inject(args)
        ch = self._need()
        count = int(args[0], 0) if args else 1
        notified = 0
        rem = self.offset + layout.IRQ_OFFSET + layout.IRQ_SIZE * ch.remote_locality
        for _ in range(count):
            if ch.inject():
                notified += 1
                continue
            word = ch.flags(ch.remote_locality)
            if word["enabled"]:  # pending set: notify anyway, and count it
                mm = ch.buffer
                n = struct.unpack_from("<Q", mm, rem + 16)[0]
                struct.pack_into("<Q", mm, rem + 16, n + 1)
                notified += 1
        return f"notified={notified}"

    def cmd_wakeup(self, args: List[str]) -> str:
        if self.mistake == "garbage_reply":
            return "\x01<not-a-reply & \"quoted\"> ]]>"
        if self.mistake == "unbounded_wakeup":
            ch = self._need()
            calls = ch.wakeup(2**31)
            return f"calls={calls} more={int(bool(ch.more_work))}"
        out = super().cmd_wakeup(args)
        if self.mistake == "never_clears_pending":
            ch = self._need()
            ch.buffer[self.offset + layout.IRQ_OFFSET + layout.IRQ_SIZE * ch.locality + 1] = 1
        return out

    def cmd_enable(self, args: List[str]) -> str:
        if self.mistake == "unguarded":  # no SIGBUS guard from here on
            m = self._need()._map
            if m._guard_lib is not None:
                m._guard_lib.shm_signal_unguard(m.base)
                m._guard_lib = None
        if self.mistake != "enable_without_wakeup":
            return super().cmd_enable(args)
        ch = self._need()
        ch.buffer[self.offset + layout.IRQ_OFFSET + layout.IRQ_SIZE * ch.locality] = 1  # enabled, no wakeup
        return "calls=0"

    def cmd_disable(self, args: List[str]) -> str:
        if self.mistake == "hangs":
            time.sleep(3600)
        if self.mistake == "disable_ignored":
            return ""
        return super().cmd_disable(args)

    def cmd_features(self, args: List[str]) -> str:
        if self.mistake != "trusts_accepted":
            return super().cmd_features(args)
        raw = Path(self.path).read_bytes()
        at = self.offset + layout.ShmSignalDesc.features_accepted.offset
        return f"features=0x{int.from_bytes(raw[at:at + 8], 'little'):x}"

    def _no_waiting_flag(self) -> None:
        if self.mistake == "no_waiting_flag" and self.ch is not None:
            _ = self.ch.features
            self.ch._waiter_flag = False  # parks without announcing it (pad0 stays 0)

    def cmd_wait(self, args: List[str]) -> str:
        if self.mistake == "dies":
            os._exit(3)
        self._no_waiting_flag()
        if self.mistake == "ignores_death":
            try:
                return super().cmd_wait(args)
            except ShmSignalFault as exc:
                if exc.code == Fault.PEER_DEAD:
                    return "ready=0"
                raise
        out = super().cmd_wait(args)
        if self.mistake == "wait_overruns" and out == "ready=0":
            time.sleep(1.5)
        return out

    def cmd_serve(self, args: List[str]) -> str:
        self._no_waiting_flag()
        return super().cmd_serve(args)

    def cmd_close(self, args: List[str]) -> str:
        self.closed_once = self.closed_once or self.ch is not None
        if self.mistake == "close_without_wake" and self.ch is not None and self.ch._backend is not None:
            self.ch._backend.wake = lambda locality: None  # type: ignore[method-assign]
        if self.mistake != "close_without_dirty" or self.ch is None:
            return super().cmd_close(args)
        ch = self.ch
        at = self.offset + layout.IRQ_OFFSET + layout.IRQ_SIZE * ch.remote_locality + 2
        before = ch.buffer[at]
        path = self.path
        out = super().cmd_close(args)
        _patch(path, at, bytes([before]))  # undo the close's dirty
        return out

    def handle(self, line: str) -> str:
        reply = super().handle(line)
        if self.mistake == "ring_fault_misnamed" and reply.startswith("err 18 "):
            return reply.replace("field=", "field=ring_", 1)
        if self.mistake == "terse_faults" and reply.startswith("err ") and "field=" in reply:
            return " ".join(reply.split()[:3]) + " it went wrong"
        if self.mistake == "garbage_reply" and reply.startswith("ok \x01"):
            return reply[3:]
        return reply


class _RecordHeaders:
    """The ring's record-header struct with one mistake: a consumer that takes any
    kind but padding for a message, or a producer whose padding stops short."""

    def __init__(self, real: Any, mistake: str) -> None:
        self.real, self.mistake = real, mistake

    def unpack_from(self, buf: Any, at: int) -> Any:
        length, kind = self.real.unpack_from(buf, at)
        if self.mistake == "ring_kind_unchecked":
            kind = kind if kind == 1 else 0
        return length, kind

    def pack_into(self, buf: Any, at: int, length: int, kind: int) -> None:
        if self.mistake == "ring_short_padding" and kind == 1:
            length -= 8
        self.real.pack_into(buf, at, length, kind)


class _NoInject:
    """A channel whose inject does nothing: everything else passes through."""

    def __init__(self, ch: Any) -> None:
        self._ch = ch

    def inject(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ch, name)


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--break", dest="mistake", choices=sorted(BREAKS), required=True)
    args = parser.parse_args(argv)
    import abi.conformance.peer as peer_mod

    original = peer_mod.Peer
    peer_mod.Peer = lambda engine="python": BrokenPeer(args.mistake)  # type: ignore[misc,assignment]
    try:
        return serve(sys.stdin, sys.stdout)
    finally:
        peer_mod.Peer = original


if __name__ == "__main__":
    sys.exit(main())
