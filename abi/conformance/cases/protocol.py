"""The protocol itself (13): hello, error replies, one channel at a time."""


from __future__ import annotations

import re

from abi import layout
from abi.conformance.harness import (
    CaseFailure,
    Context,
    case,
)
from abi.faults import Fault


@case("protocol", "hello", "hello answers protocol=1, an implementation name and a feature set (13.2).")
def _hello(ctx: Context) -> None:
    r = ctx.ok("hello", protocol=1)
    if "impl" not in r.values:
        raise CaseFailure(f"hello lacks impl=: {r.raw!r}")
    feats = ctx.num(r, "features")
    if feats & ~layout.FEATURES_KNOWN:
        raise CaseFailure(f"hello claims unassigned feature bits 0x{feats & ~layout.FEATURES_KNOWN:x}")


@case("protocol", "errors", "Unknown commands, commands without a channel, an existing file and a "
                            "missing file are refused with the right code, and the peer keeps "
                            "answering (13.1, 13.3).")
def _errors(ctx: Context) -> None:
    ctx.err("no_such_command 1 2", 100)
    ctx.err("enable", 101)
    ctx.err("inject", 101)
    ctx.err("wakeup", 101)
    ctx.err("dump", 101)
    ctx.err("create", 100)
    existing = ctx.tmp / "exists"
    existing.write_bytes(b"x")
    ctx.err(f"create {existing} 0", 103)
    ctx.err(f"attach {ctx.tmp / 'missing'}", 104)
    ctx.ok("hello", protocol=1)


@case("protocol", "one_channel", "A second create or attach while a channel is open is a USAGE error; "
                                 "after close the channel commands answer NO_CHANNEL, and a new "
                                 "channel can be created (13.1).")
def _one_channel(ctx: Context) -> None:
    p = ctx.tmp / "chan"
    ctx.ok(f"create {p} 0")
    ctx.err(f"create {ctx.tmp / 'other'} 0", 100)
    ctx.err(f"attach {p}", 100)
    ctx.ok("close")
    ctx.err("inject", 101)
    ctx.err("close", 101)
    ctx.ok(f"create {ctx.tmp / 'again'} 1", locality=1)  # a new channel after close (13.1)
    ctx.ok("close")


@case("protocol", "fault_message_fields", "Advisory (a SHOULD of 13.1): a fault's message starts "
                                          "with field=F offset=N expected=E actual=A: (here for a "
                                          "descriptor whose magic is wrong).", advisory=True)
def _fault_message_fields(ctx: Context) -> None:
    p = ctx.tmp / "bad"
    p.write_bytes(bytes(layout.DESC_SIZE))
    r = ctx.err(f"attach {p}", int(Fault.BAD_MAGIC))
    if not re.match(r"field=magic offset=0 expected=\S+ actual=\S+:", r.message):
        raise CaseFailure(f"the fault's message {r.message!r} does not start with "
                          "'field=magic offset=0 expected=E actual=A:' (13.1)")
