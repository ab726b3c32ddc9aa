"""The spec's requirement IDs (``[R6.1-2]`` in docs/spec.md) and how each is checked:
by check-peer cases, or not observable from outside (with what proves it for the
reference engines instead), or not checked yet.  The table is data
(``requirements.json``); this module loads it, links it to the cases, and finds what
is inconsistent (an ID in one place only, a case pattern that matches no case, an
entry that says nothing)."""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

TABLE = Path(__file__).resolve().parent / "requirements.json"
SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec.md"
TAG = re.compile(r"\[(R\d+(?:\.\d+)?-\d+)\]")
LEVELS = ("MUST", "MUST NOT", "SHOULD", "MAY")


@dataclass(frozen=True)
class Requirement:
    id: str
    section: str
    level: str
    summary: str
    cases: Sequence[str] = ()  # case names or fnmatch patterns
    reason: str = ""  # why no black-box case can check it
    proof: str = ""  # what checks it for the reference engines instead
    unchecked: str = ""  # observable, but no case checks it yet: what is missing

    @property
    def status(self) -> str:
        if self.cases:
            return "checked"
        if self.reason:
            return "not observable"
        return "NOT CHECKED"

    def matches(self, case_name: str) -> bool:
        base = case_name.split("@", 1)[0]  # "x@c": the same case against the C engine
        return any(fnmatch.fnmatchcase(base, pat) for pat in self.cases)


@dataclass
class Table:
    requirements: Dict[str, Requirement] = field(default_factory=dict)

    def for_case(self, case_name: str) -> List[str]:
        """The IDs a case checks."""
        return [r.id for r in self.requirements.values() if r.matches(case_name)]

    def problems(self, case_names: Iterable[str], spec_text: Optional[str] = None) -> List[str]:
        """Everything that makes the table disagree with the spec or the suite."""
        names = list(case_names)
        spec_ids = TAG.findall(SPEC.read_text(encoding="utf-8") if spec_text is None else spec_text)
        out = [f"{i} is tagged more than once in the spec" for i in sorted(set(spec_ids))
               if spec_ids.count(i) > 1]
        out += [f"{i} is tagged in the spec but not in the table" for i in spec_ids
                if i not in self.requirements]
        out += [f"{i} is in the table but tagged nowhere in the spec" for i in self.requirements
                if i not in spec_ids]
        for r in self.requirements.values():
            if r.level not in LEVELS:
                out.append(f"{r.id}: level {r.level!r} is not one of {', '.join(LEVELS)}")
            kinds = [k for k in ("cases", "reason", "unchecked") if getattr(r, k)]
            if len(kinds) != 1:
                out.append(f"{r.id}: needs exactly one of cases, reason or unchecked (has {kinds or 'none'})")
            if r.reason and not r.proof:
                out.append(f"{r.id}: not observable, but says nothing of what proves it instead")
            for pat in r.cases:
                if not any(fnmatch.fnmatchcase(n.split("@", 1)[0], pat) for n in names):
                    out.append(f"{r.id}: case {pat!r} matches no case of the suite")
        return out

    def rows(self) -> List[Dict[str, str]]:
        return [{"id": r.id, "level": r.level, "status": r.status, "summary": r.summary,
                 "how": ", ".join(r.cases) or (f"{r.reason} (proof: {r.proof})" if r.reason else r.unchecked)}
                for r in self.requirements.values()]


def load(path: Path = TABLE) -> Table:
    raw = json.loads(path.read_text(encoding="utf-8"))
    table = Table()
    for rid, d in raw.items():
        table.requirements[rid] = Requirement(
            id=rid, section=str(d["section"]), level=d["level"], summary=d["summary"],
            cases=tuple(d.get("cases", ())), reason=d.get("reason", ""), proof=d.get("proof", ""),
            unchecked=d.get("unchecked", ""))
    return table


def render(table: Table) -> str:
    """The table for humans, with the counts per status at the end."""
    lines = []
    for row in table.rows():
        lines.append(f"{row['id']:<9} {row['level']:<8} {row['status']:<14} {row['summary']}")
        lines.append(f"{'':<33}{row['how']}")
    counts: Dict[str, int] = {}
    for r in table.requirements.values():
        counts[r.status] = counts.get(r.status, 0) + 1
    lines.append("")
    lines.append(f"{len(table.requirements)} requirements: "
                 + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return "\n".join(lines)
