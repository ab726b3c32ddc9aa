"""The platform matrix's result cache: compiled probes and compile-check results
under ``platforms.cache_dir()/matrix``, keyed by content hashes.

A key hashes the generated source, :func:`header_digest` of the header directory, the
compiler command and :func:`compiler_version`.  Check results are
``checks/<key>.json``; probe executables are ``probes/<key>/<name>``; both are written
to a temporary name and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Dict, Optional, Tuple

from abi.verify.platforms import CompilerSpec, cache_dir

_versions: Dict[Tuple[str, ...], str] = {}
_versions_lock = threading.Lock()


def compiler_version(spec: CompilerSpec) -> str:
    cmd = spec.command()
    key = tuple(cmd[:4] if spec.kind == "zig" else cmd[:1])
    with _versions_lock:
        if key in _versions:
            return _versions[key]
    args = [sys.executable, "-m", "ziglang", "version"] if spec.kind == "zig" else [cmd[0], "--version"]
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=60)
        text = (out.stdout or out.stderr).strip().splitlines()
        version = text[0] if text else "unknown"
    except (OSError, subprocess.TimeoutExpired):
        version = "unknown"
    with _versions_lock:
        _versions[key] = version
    return version


def header_digest(header_dir: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(Path(header_dir).glob("*.h")):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


class Cache:
    """Compiled probes and compile-check results, keyed by content hashes."""

    def __init__(self, root: Optional[Path], enabled: bool = True) -> None:
        self.root = (root or cache_dir()) / "matrix"
        self.enabled = enabled

    def key(self, *parts: str) -> str:
        h = hashlib.sha256()
        for p in parts:
            h.update(p.encode("utf-8") + b"\0")
        return h.hexdigest()[:32]

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key

    def get_json(self, key: str) -> Optional[Dict[str, object]]:
        p = self.path("checks", key + ".json")
        if not self.enabled or not p.exists():
            return None
        try:
            data = json.loads(p.read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def put_json(self, key: str, data: Dict[str, object]) -> None:
        p = self.path("checks", key + ".json")
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.{uuid.uuid4().hex}")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, p)

    def get_file(self, key: str, name: str) -> Optional[Path]:
        p = self.path("probes", key) / name
        return p if self.enabled and p.exists() else None

    def put_file(self, key: str, src: Path, name: str) -> Path:
        d = self.path("probes", key)
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{name}.{uuid.uuid4().hex}"
        shutil.copy2(src, tmp)
        os.replace(tmp, d / name)
        return d / name
