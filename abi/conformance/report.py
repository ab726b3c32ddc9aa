"""Output of ``shm-signal check-peer``: the readable report, JSON, and JUnit XML.

The JUnit XML is written with :mod:`xml.etree.ElementTree`, so whatever a hostile
peer prints (quotes, angle brackets, control characters) ends up escaped or
replaced, and the file always parses.  Structure: one ``testsuites`` element holding
one ``testsuite`` per group; each case a ``testcase`` (``classname`` =
``shm_signal.<group>``) with a ``failure`` or ``skipped`` child when it did not pass,
and the peer transcript in ``system-out``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Dict, List

from abi.conformance.check_peer import CaseResult, SuiteResult

# XML 1.0 forbids most control characters even escaped: replace them.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: str) -> str:
    return _XML_BAD.sub("\ufffd", text)


def render_text(res: SuiteResult, *, verbose: bool = False) -> str:
    lines = [f"shm-signal check-peer: {' '.join(res.peer)}"]
    if res.hello:
        lines.append(f"peer says: {res.hello}")
    if res.unusable:
        lines.append(f"PEER UNUSABLE: {res.unusable}")
    lines.append("")
    width = max((len(c.name) for c in res.cases), default=10)
    for c in res.cases:
        mark = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "advisory": "ADVS"}[c.status]
        lines.append(f"{mark}  {c.name:<{width}}  {c.seconds:7.3f}s")
        if c.status == "skipped" and verbose:
            lines.append(f"      skipped: {c.message}")
        if c.status == "advisory":
            lines.append(f"      advisory (a SHOULD, not a failure): {c.message}")
        if c.status == "failed":
            if c.requirements:
                lines.append(f"      requirements: {' '.join(c.requirements)} (docs/spec.md)")
            lines.extend(failure_lines(c))
    lines.append("")
    lines.append(f"{res.count('passed')} passed, {res.count('failed')} failed, "
                 f"{res.count('skipped')} skipped"
                 + (f", {res.count('advisory')} advisory" if res.count("advisory") else "")
                 + f" in {res.seconds:.1f}s")
    return "\n".join(lines)


def failure_lines(c: CaseResult) -> List[str]:
    out = [f"      {c.doc}", f"      error: {c.message}"]
    d = c.diff
    if d is not None:
        out.append(f"      first differing byte: offset {d.offset}, field {d.field}, "
                   f"expected 0x{d.expected}, actual 0x{d.actual}"
                   + (f" ({d.step})" if d.step else ""))
        if d.expected_hex and d.actual_hex:
            lo = (d.offset // 16) * 16
            out.append(f"      expected [{lo}:{lo + 16}] {d.expected_hex[2 * lo:2 * lo + 32]}")
            out.append(f"      actual   [{lo}:{lo + 16}] {d.actual_hex[2 * lo:2 * lo + 32]}")
    if c.transcript:
        out.append("      transcript (> to the peer, < from it):")
        out.extend("        " + line[:300] for line in c.transcript[-12:])
    if c.stderr.strip():
        out.append("      peer stderr (tail):")
        out.extend("        " + line[:300] for line in c.stderr.strip().splitlines()[-8:])
    return out


def to_json(res: SuiteResult) -> str:
    return json.dumps(res.to_json(), indent=2)


def junit_tree(res: SuiteResult) -> ET.ElementTree:
    groups: Dict[str, List[CaseResult]] = {}
    for c in res.cases:
        groups.setdefault(c.group, []).append(c)
    root = ET.Element("testsuites", name="shm-signal check-peer", tests=str(len(res.cases)),
                      failures=str(res.count("failed")), errors="0", skipped=str(res.count("skipped")),
                      time=f"{res.seconds:.3f}")
    for group, cases in groups.items():
        suite = ET.SubElement(root, "testsuite", name=f"shm_signal.{group}", tests=str(len(cases)),
                              failures=str(sum(c.status == "failed" for c in cases)), errors="0",
                              skipped=str(sum(c.status == "skipped" for c in cases)),
                              time=f"{sum(c.seconds for c in cases):.3f}")
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="peer", value=_x(" ".join(res.peer)))
        ET.SubElement(props, "property", name="hello", value=_x(res.hello))
        for c in cases:
            tc = ET.SubElement(suite, "testcase", classname=f"shm_signal.{group}", name=c.name,
                               time=f"{c.seconds:.3f}")
            if c.requirements or c.status == "advisory":
                tc_props = ET.SubElement(tc, "properties")
                for rid in c.requirements:
                    ET.SubElement(tc_props, "property", name="requirement", value=rid)
                if c.status == "advisory":  # JUnit has no such result: a passed test with a note
                    ET.SubElement(tc_props, "property", name="advisory", value=_x(c.message[:1000]))
            if c.status == "failed":
                fail = ET.SubElement(tc, "failure", message=_x(c.message[:1000]), type="ConformanceFailure")
                fail.text = _x("\n".join(failure_lines(c)))
            elif c.status == "skipped":
                ET.SubElement(tc, "skipped", message=_x(c.message[:1000]))
            if c.transcript:
                out = ET.SubElement(tc, "system-out")
                out.text = _x("\n".join(c.transcript))
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(res: SuiteResult, path: str) -> None:
    junit_tree(res).write(path, encoding="utf-8", xml_declaration=True)
