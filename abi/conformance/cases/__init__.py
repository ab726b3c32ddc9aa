"""The cases of the check-peer conformance suite (:mod:`abi.conformance.check_peer` runs them).

Each case is a function registered with :func:`abi.conformance.harness.case` (or appended to
``CASES`` for the generated ones: one per golden vector and role, one per fault
vector); it drives the peer through its :class:`~abi.conformance.harness.Context` and raises
:class:`~abi.conformance.harness.CaseFailure` to fail, :class:`~abi.conformance.harness.CaseSkipped`
when it does not apply.  Importing this module registers them all.
"""

from __future__ import annotations

from typing import List

# Imported in this order: it is the order cases run in.
from abi.conformance.cases import (
    doorbell,  # noqa: F401
    faults,  # noqa: F401
    fuzz,  # noqa: F401
    handshake,  # noqa: F401
    liveness,  # noqa: F401
    protocol,  # noqa: F401
    ring,  # noqa: F401
    ring_channel,  # noqa: F401
    semantics,  # noqa: F401
    stress,  # noqa: F401
    vectors,  # noqa: F401
    waiter,  # noqa: F401
)
from abi.conformance.harness import CASES, Case


def _with_engines() -> None:
    """Every case that has a reference side also runs against the C engine."""
    extra: List[Case] = []
    for c in CASES:
        if c.group in ("protocol", "fault") or not c.uses_reference \
                or c.name in ("waiter.stale_pad0_accepted", "waiter.pad0_not_a_flag"):
            continue
        extra.append(Case(c.name + "@c", c.group, c.doc + " (reference: the C engine)", c.fn, "c",
                          advisory=c.advisory))
    CASES.extend(extra)


_with_engines()
