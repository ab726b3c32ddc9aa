"""``python -m abi.peer``: the Python reference peer (docs/spec.md section 13), under the
name the spec and the README give it; it lives in :mod:`abi.conformance.peer`."""

from abi.conformance.peer import main

if __name__ == "__main__":
    raise SystemExit(main())
