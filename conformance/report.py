"""The run written to files: one self-contained HTML page (--html), a junit XML report (--junit-xml).

The page needs no network: its style is inline, it loads nothing, and it has no script. Each
failure shows its request, the answer and a curl line; secrets are masked everywhere.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from pathlib import Path

from .exchange import mask
from .ledger import Finding, Ledger, Status
from .operations import BY_NAME
from .rules import Kind
from .settings import Settings
from .summary import heading, rule_coverage, verdict

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem;
       color: #1d1d1f; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
.verdict { font-size: 1.3rem; font-weight: 600; padding: .6rem 1rem; border-radius: 6px; }
.pass { background: #e3f4e6; color: #155724; } .fail { background: #fbe3e4; color: #8a1c22; }
.skip { color: #6b5900; } .note { color: #5b3f99; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: .25rem .5rem; vertical-align: top; }
tr:nth-child(even) { background: #f6f6f8; } th { border-bottom: 2px solid #ccc; }
pre { background: #f4f4f6; padding: .6rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
details { margin: .4rem 0; } summary { cursor: pointer; font-weight: 600; }
.heading { color: #555; white-space: pre-line; }
"""


def write_html(path: str, settings: Settings, ledger: Ledger, seed: int) -> None:
    Path(path).write_text(mask(render_html(settings, ledger, seed), settings.secrets()), encoding="utf-8")


def render_html(settings: Settings, ledger: Ledger, seed: int) -> str:
    escape = html.escape
    ok = ledger.conforms
    coverage = rule_coverage(settings, ledger)
    documented = [state for state in coverage if state.rule.kind is Kind.DOCUMENTED]
    checked = sum(1 for state in documented if state.state != "skipped")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>GamifyHost conformance report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>GamifyHost conformance report</h1>",
        f'<p class="heading">{escape(heading(settings, seed))}</p>',
        f'<p id="verdict" class="verdict {"pass" if ok else "fail"}">{escape(verdict(ledger))}</p>',
    ]
    if ledger.preflight_failure:
        parts.append(f"<h2>Preflight failed</h2><pre>{escape(ledger.preflight_failure)}</pre>")
    parts.append(f'<h2 id="rules">Rules: documented rules checked {checked} of {len(documented)}</h2>')
    parts.append("<table><tr><th>rule</th><th>class</th><th>outcome</th><th>says</th><th>source</th></tr>")
    for state in coverage:
        outcome = state.state + (f" ({state.why})" if state.why else "")
        css = {"failed": "fail", "skipped": "skip"}.get(state.state, "")
        parts.append(
            f'<tr class="rule"><td><code>{escape(state.rule.id)}</code></td><td>{state.rule.kind.value}</td>'
            f'<td class="{css}">{escape(outcome)}</td><td>{escape(state.rule.text)}</td>'
            f"<td>{escape(state.rule.source)}</td></tr>"
        )
    parts.append("</table>")
    for name, operation in BY_NAME.items():
        outcomes = {check: outcome for (op, check), outcome in ledger.outcomes.items() if op == name}
        if not outcomes:
            continue
        parts.append(
            f'<section id="operation-{name}"><h2>{escape(name)} <small>{escape(operation.title)}</small></h2>'
        )
        failed = sorted(check for check, outcome in outcomes.items() if outcome.status is Status.FAILED)
        skipped = sorted(check for check, outcome in outcomes.items() if outcome.status is Status.SKIPPED)
        passed = sorted(check for check, outcome in outcomes.items() if outcome.status is Status.PASSED)
        parts.append(f"<p>{len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped</p>")
        for check in failed:
            findings = [finding for finding in ledger.findings if finding.key == f"{name}.{check}"]
            parts.append(_failure(check, findings))
        if skipped:
            parts.append("<h3>Skipped</h3><ul>")
            parts += [
                f'<li class="skip"><code>{escape(check)}</code>: {escape(outcomes[check].reason)}</li>'
                for check in skipped
            ]
            parts.append("</ul>")
        if passed:
            parts.append(
                "<h3>Passed</h3><p>" + ", ".join(f"<code>{escape(check)}</code>" for check in passed) + "</p>"
            )
        parts.append("</section>")
    for title, items in (("Held back, to keep the target safe", ledger.held_back), ("Errors", ledger.errors)):
        if items:
            parts.append(
                f"<h2>{title}</h2><ul>"
                + "".join(f"<li><pre>{escape(item)}</pre></li>" for item in items)
                + "</ul>"
            )
    parts.append(
        f"<p>Requests sent: {ledger.requests_sent}; batches created: {ledger.batches_created}; "
        f"codes created: {ledger.codes_created}; codes redeemed: {ledger.codes_redeemed}</p></body></html>"
    )
    return "\n".join(parts)


def _failure(check: str, findings: list[Finding]) -> str:
    escape = html.escape
    first = min(findings, key=lambda finding: len(finding.curl or ""))
    kind = "failed" if first.documented else "note on the inferred contract"
    css = "fail" if first.documented else "note"
    return "".join(
        [
            f'<details class="failure" open><summary class="{css}">{escape(check)}: {kind}, '
            f"on {len(findings)} answer(s)</summary>",
            f"<pre>{escape(first.message)}</pre>",
            f'<p>Request</p><pre class="request">{escape(first.request or "")}</pre>'
            if first.request
            else "",
            f'<p>Answer</p><pre class="response">{escape(first.response or "")}</pre>'
            if first.response
            else "",
            f'<p>Replay</p><pre class="curl">{escape(first.curl or "")}</pre>' if first.curl else "",
            "</details>",
        ]
    )


def write_junit(path: str, settings: Settings, ledger: Ledger) -> None:
    """One testcase per check that ran (classname: its operation), failures and skips as junit has them."""
    suite = ElementTree.Element("testsuite", name="gamifyhost-conformance")
    counts = {"tests": 0, "failures": 0, "skipped": 0, "errors": len(ledger.errors)}
    for (operation, check), outcome in sorted(ledger.outcomes.items()):
        case = ElementTree.SubElement(suite, "testcase", classname=operation, name=check)
        counts["tests"] += 1
        findings = [finding for finding in ledger.findings if finding.key == f"{operation}.{check}"]
        if outcome.status is Status.FAILED and any(finding.documented for finding in findings):
            counts["failures"] += 1
            failure = ElementTree.SubElement(case, "failure", message=findings[0].message.splitlines()[0])
            failure.text = _junit_text(findings)
        elif outcome.status is Status.SKIPPED:
            counts["skipped"] += 1
            ElementTree.SubElement(case, "skipped", message=outcome.reason)
    for error in ledger.errors:
        ElementTree.SubElement(
            ElementTree.SubElement(suite, "testcase", classname="suite", name="error"), "error"
        ).text = error
    for name, count in counts.items():
        suite.set(name, str(count))
    text = ElementTree.tostring(suite, encoding="unicode")
    Path(path).write_text(
        mask(f'<?xml version="1.0" encoding="utf-8"?>\n{text}\n', settings.secrets()), encoding="utf-8"
    )


def _junit_text(findings: Iterable[Finding]) -> str:
    return "\n\n".join(
        f"{finding.message}\n$ {finding.curl}" if finding.curl else finding.message for finding in findings
    )
