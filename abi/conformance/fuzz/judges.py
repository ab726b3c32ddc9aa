"""The judges of one input, run in a supervised worker process (``python -m
abi.conformance.fuzz --worker``): both validators, both engines' attach, inspect."""


from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from abi import layout
from abi.conformance.fuzz.inputs import DEADLINE, JUDGES, PLANTS, Case, Verdict


def verdict_of(call: Callable[[], Any]) -> Verdict:
    from abi.faults import ShmSignalFault

    try:
        call()
    except ShmSignalFault as exc:
        return ("fault", exc.code.name, exc.field or "")
    except Exception as exc:  # noqa: BLE001 -- any other exception is the finding
        return ("error", f"{type(exc).__name__}: {exc}")
    return ("ok",)


class Judges:
    """Runs every judge on one input (in the worker process)."""

    def __init__(self, workdir: Path, plant: str = "") -> None:
        from abi import descriptor
        from abi.conformance import inspect_file as inspect
        from abi.engine import c_channel as c_engine
        from abi.engine import channel as engine

        self.path = workdir / "mapping"
        self.plant = ""
        self.descriptor, self.c_engine, self.engine, self.inspect = descriptor, c_engine, engine, inspect
        if plant:
            self._plant(plant)

    def _plant(self, plant: str) -> None:
        """A deliberate fault (:data:`PLANTS`): the campaign must catch it."""
        if plant not in PLANTS:
            raise ValueError(f"unknown plant {plant!r}; known: {', '.join(PLANTS)}")
        self.plant = plant
        if plant != "desc-size-alignment":
            return
        real = self.descriptor.check_snapshot

        def skipping(d: Any, *a: Any, **kw: Any) -> Any:
            if d.desc_size >= layout.DESC_SIZE and d.desc_size % layout.DESC_ALIGN:
                d = layout.ShmSignalDesc.from_buffer_copy(bytes(d))
                d.desc_size += layout.DESC_ALIGN - d.desc_size % layout.DESC_ALIGN
            return real(d, *a, **kw)

        self.descriptor.check_snapshot = skipping

    def judge(self, case: Case) -> Dict[str, Verdict]:
        d, n = case.data, len(case.data)
        if self.plant in ("crash", "hang") and d[:1] == b"\x42":
            if self.plant == "crash":
                import signal

                os.kill(os.getpid(), signal.SIGSEGV)
            time.sleep(3600)
        out = {"py.validate": verdict_of(lambda: self.descriptor.validate(d, case.offset, n, case.supported)),
               "c.validate": verdict_of(lambda: self.c_engine.validate(d, case.offset, n, case.supported))}
        with open(self.path, "wb") as f:
            f.write(d)
        out["inspect"] = verdict_of(lambda: self._inspect(case))
        out["py.attach"] = verdict_of(lambda: self.engine.Channel.attach(
            self.path, offset=case.offset, features=case.supported, liveness_interval=1).close())
        with open(self.path, "wb") as f:  # the Python attach may have written its record
            f.write(d)
        out["c.attach"] = verdict_of(lambda: self.c_engine.CChannel.attach(
            self.path, offset=case.offset, features=case.supported).close())
        return out

    def _inspect(self, case: Case) -> None:
        ins = self.inspect.inspect_file(str(self.path), case.offset, case.supported)
        if ins.fault is not None:
            raise ins.fault


def attach_refusal(case: Case) -> Optional[str]:
    """The fault an attach must add to a descriptor the validators accept (spec 6.3
    step 4), decided from the input as the libFuzzer harness does: a re-attach keeping
    a set with a bit not supported here, else a record that reads attached with no
    LIVENESS_LOCK in the set to prove its owner dead; None: the attach succeeds."""
    d = case.data[case.offset:case.offset + layout.DESC_SIZE]
    creator = struct.unpack_from("<I", d, 12)[0]
    state = struct.unpack_from("<I", d, layout.IRQ_OFFSET + layout.IRQ_SIZE * (1 - creator) + 4)[0]
    offered, accepted = struct.unpack_from("<Q", d, 16)[0], struct.unpack_from("<Q", d, 32)[0]
    kept = offered & case.supported if state == layout.STATE_EMPTY else accepted
    if kept & ~case.supported:
        return "UNSUPPORTED_FEATURE"
    if state == layout.STATE_ATTACHED and not kept & layout.FEATURE_LIVENESS_LOCK:
        return "LOCALITY_BUSY"
    return None


def disagreements(v: Dict[str, Verdict], case: Case) -> List[str]:
    """What the verdicts on ``case`` violate ([] when they agree); an attach of a
    valid descriptor must refuse exactly when 6.3 step 4 says."""
    out = [f"{name} raised {v[name][1]}" for name in JUDGES if v[name][0] == "error"]
    if out:
        return out

    def show(name: str) -> str:
        return f"{name} {' '.join(v[name][1:]) or 'accepts'}"

    if v["py.validate"] != v["c.validate"]:
        out.append(f"the validators disagree: {show('py.validate')}, {show('c.validate')}")
    if v["inspect"] != v["py.validate"]:
        out.append(f"inspect disagrees with the validators: {show('inspect')}, {show('py.validate')}")
    if v["py.attach"] != v["c.attach"]:
        out.append(f"the attaches disagree: {show('py.attach')}, {show('c.attach')}")
    ref = v["py.validate"]
    for name in ("py.attach", "c.attach"):
        a = v[name]
        if ref == ("ok",):
            # a valid descriptor: attached, or refused only as 6.3 step 4 says
            want = attach_refusal(case)
            if a[:2] != (("fault", want) if want else ("ok",)):
                out.append(f"{name} on a valid descriptor: {show(name)}, expected "
                           f"{'refused with ' + want if want else 'an attach'} (6.3 step 4)")
        elif a != ref:
            out.append(f"{name} does not follow the validators: {show(name)}, {show('py.validate')}")
    return out


# ------------------------------------------------------------------ the worker


def worker_main(plant: str = "") -> int:
    """Judge the inputs that arrive on stdin (length-prefixed pickles) one by one."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    with tempfile.TemporaryDirectory(prefix="shm-signal-fuzz-") as tmp:
        judges = Judges(Path(tmp), plant)
        while True:
            head = inp.read(4)
            if len(head) < 4:
                return 0
            case = pickle.loads(inp.read(struct.unpack("<I", head)[0]))
            reply = pickle.dumps(judges.judge(case))
            out.write(struct.pack("<I", len(reply)) + reply)
            out.flush()


class Worker:
    """The judging process, restarted after a crash or a hang."""

    def __init__(self, plant: str = "") -> None:
        self.plant = plant
        self.proc: Optional[subprocess.Popen] = None

    def _start(self) -> subprocess.Popen:
        plant = ["--plant", self.plant] if self.plant else []
        argv = [sys.executable, "-m", "abi.conformance.fuzz", "--worker", *plant]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])
               + os.pathsep + os.environ.get("PYTHONPATH", "")}
        return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)

    def judge(self, case: Case, deadline: float = DEADLINE) -> Tuple[Optional[Dict[str, Verdict]], str]:
        """The verdicts, or None and "crash: ..."/"hang: ..." when the worker died or
        did not answer in time (it is restarted for the next input)."""
        if self.proc is None or self.proc.poll() is not None:
            self.proc = self._start()
        p = self.proc
        assert p.stdin is not None and p.stdout is not None
        msg = pickle.dumps(case)
        try:
            p.stdin.write(struct.pack("<I", len(msg)) + msg)
            p.stdin.flush()
        except BrokenPipeError:
            return None, self._died()
        head = self._read(p, 4, deadline)
        if head is None:
            return None, self._hung(deadline)
        if len(head) < 4:
            return None, self._died()
        body = self._read(p, struct.unpack("<I", head)[0], deadline)
        if body is None:
            return None, self._hung(deadline)
        return pickle.loads(body), ""

    @staticmethod
    def _read(p: subprocess.Popen, n: int, deadline: float) -> Optional[bytes]:
        assert p.stdout is not None
        fd = p.stdout.fileno()
        end = time.monotonic() + deadline
        chunks, got = [], 0
        while got < n:
            left = end - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, n - got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _died(self) -> str:
        assert self.proc is not None
        status = self.proc.wait()
        self.proc = None
        return f"crash: the worker died (status {status}{', signal ' + str(-status) if status < 0 else ''})"

    def _hung(self, deadline: float) -> str:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        self.proc = None
        return f"hang: no verdict within {deadline:g} s"

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(30)
            self.proc = None


