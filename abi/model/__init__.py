"""The protocol of docs/spec.md section 7 as a SPIN model (``shm_signal.pml``), its
runner (:mod:`abi.model.check`), the readable counterexamples
(:mod:`abi.model.trail`), the table of what must hold and what must fail
(``expectations.json``, run by ``shm-signal model``), and the check of the C engine's
fused sequences against the model's fence rule (:mod:`abi.model.code`)."""
