"""The protocol of docs/spec.md section 7 as a SPIN model (``shm_signal.pml``), its
runner (:mod:`abi.model.check`), the readable counterexamples
(:mod:`abi.model.trail`), and the table of what must hold and what must fail
(``expectations.json``, run by ``python -m abi.model``)."""
