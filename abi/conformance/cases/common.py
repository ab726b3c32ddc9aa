"""Helpers more than one group of cases uses."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from abi import layout
from abi.conformance.harness import GOLDEN, STRESS_WAIT, CaseFailure, Context
from abi.engine.interface import ChannelInterface


def golden_vectors() -> Dict[str, Any]:
    return dict(json.loads(GOLDEN.read_text()))


def pair(ctx: Context, peer_creates: bool, features: Optional[int] = None) -> ChannelInterface:
    """A channel between the peer and a reference engine; returns the reference channel."""
    p = ctx.tmp / "chan"
    feats = (layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK | layout.FEATURE_NOTIFY_COUNT) \
        if features is None else features
    feats &= ctx.peer_features & ctx.ref_features()
    if peer_creates:
        ctx.ok(f"create {p} 0 features=0x{feats:x}", locality=0)
        ch = ctx.ref_attach(p)
        ctx.ok("wait_peer 2", attached=1)
    else:
        ch = ctx.ref_create(p, 0, features=feats)
        ctx.ok(f"attach {p}", locality=1)
        if not ch.wait_for_peer(2.0):
            raise CaseFailure("the reference creator does not see the peer's attach")
    return ch


def peer_locality(ch: ChannelInterface) -> int:
    return 1 - int(ch.locality)


def long_liveness(ch: ChannelInterface) -> None:
    """Park in one piece (see STRESS_WAIT)."""
    ch.liveness_interval = STRESS_WAIT * 5
