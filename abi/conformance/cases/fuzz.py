"""check-peer --fuzz: the peer's verdicts on mutated descriptors against the reference validator's."""


from __future__ import annotations

from abi.conformance import peer_fuzz
from abi.conformance.harness import (
    CASES,
    Case,
)

CASES.append(Case("fuzz.validator", "fuzz",
                  "The peer attaches to mutated descriptors (--fuzz N, or a --fuzz-replay corpus); "
                  "each verdict (accept, or the fault code and the field) must be the reference "
                  "validator's, and a refusal must write nothing (6.4).", peer_fuzz.run_case,
                  uses_reference=False, when=lambda o: bool(o.fuzz or o.fuzz_replay)))
