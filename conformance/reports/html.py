"""The session as one self-contained HTML page (--html).

The page needs no network: its style is inline, it loads nothing, and it has no script. Each
failure shows its request, the answer and a curl line; for recorded and live traffic a table of
exchanges shows which request broke which rule. Secrets are masked everywhere.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..judge import Finding, Kind, mask
from ..judge.operations import BY_NAME
from ..judge.rules import rules_of
from ..sources.session import Session
from ..sources.settings import ACTIVE
from .summary import heading, rule_states, verdict

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
.exchanges td { font-family: ui-monospace, monospace; font-size: 13px; }
tr.broken td { background: #fbe3e4; }
"""
MAX_EXCHANGE_ROWS = 5000  # a longer session's table shows its first rows and every broken one


def write_html(path: str, session: Session) -> None:
    Path(path).write_text(mask(render_html(session), session.judge.memory.roles.variables), encoding="utf-8")


def render_html(session: Session) -> str:
    escape = html.escape
    books = session.judge.books
    states = rule_states(session)
    documented = [state for state in states if state.rule.kind is Kind.DOCUMENTED]
    judged = sum(1 for state in documented if state.state != "not judged")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>GamifyHost conformance report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>GamifyHost conformance report</h1>",
        f'<p class="heading">{escape(heading(session))}</p>',
        f'<p id="verdict" class="verdict {"pass" if session.conforms else "fail"}">'
        f"{escape(verdict(session))}</p>",
    ]
    if session.preflight_failure:
        parts.append(f"<h2>Preflight failed</h2><pre>{escape(session.preflight_failure)}</pre>")
    if session.settings.mode != ACTIVE:
        ignored = ", ".join(f"{escape(what)} ({count})" for what, count in books.ignored.most_common())
        parts.append(
            f'<p id="traffic">Exchanges judged: {books.judged}; ignored (not the API\'s): '
            f"{sum(books.ignored.values())}{f' ({ignored})' if ignored else ''}; "
            f"unreachable: {books.unreachable}</p>"
        )
    parts.append(f'<h2 id="rules">Rules: documented rules judged {judged} of {len(documented)}</h2>')
    parts.append("<table><tr><th>rule</th><th>class</th><th>outcome</th><th>says</th><th>source</th></tr>")
    for state in states:
        outcome = state.state + (f" ({state.why})" if state.why else "")
        css = {"failed": "fail", "not judged": "skip"}.get(state.state, "")
        parts.append(
            f'<tr class="rule"><td><code>{escape(state.rule.id)}</code></td><td>{state.rule.kind.value}</td>'
            f'<td class="{css}">{escape(outcome)}</td><td>{escape(state.rule.text)}</td>'
            f"<td>{escape(state.rule.source)}</td></tr>"
        )
    parts.append("</table>")
    for name, operation in BY_NAME.items():
        parts += _operation(session, name, operation.title)
    if session.settings.mode != ACTIVE and session.judge.log is not None:
        parts += _exchanges(session)
    held = session.traffic.held_back if session.traffic is not None else []
    for title, items in (("Held back, to keep the target safe", held), ("Errors", books.errors)):
        if items:
            parts.append(
                f"<h2>{title}</h2><ul>"
                + "".join(f"<li><pre>{escape(item)}</pre></li>" for item in items)
                + "</ul>"
            )
    if session.traffic is not None:
        traffic = session.traffic
        parts.append(
            f"<p>Requests sent: {traffic.requests_sent}; batches created: {traffic.batches_created}; "
            f"codes created: {traffic.codes_created}; codes redeemed: {traffic.codes_redeemed}</p>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def _operation(session: Session, name: str, title: str) -> list[str]:
    escape, books = html.escape, session.judge.books
    outcomes = {check: outcome for (op, check), outcome in books.outcomes.items() if op == name}
    skipped = sorted(
        (probe, outcome.skipped)
        for (op, probe), outcome in session.probes.items()
        if op == name and not outcome.ran
    )
    if not outcomes and not skipped:
        return []
    failed = sorted(check for check, outcome in outcomes.items() if outcome.failed)
    passed = sorted(check for check, outcome in outcomes.items() if outcome.judged and not outcome.failed)
    parts = [
        f'<section id="operation-{name}"><h2>{escape(name)} <small>{escape(title)}</small></h2>',
        f"<p>{len(passed)} checks held, {len(failed)} failed, {len(skipped)} probes skipped</p>",
    ]
    for check in failed:
        parts.append(
            _failure(check, [finding for finding in books.findings if finding.key == f"{name}.{check}"])
        )
    if skipped:
        parts.append("<h3>Skipped probes</h3><ul>")
        parts += [
            f'<li class="skip"><code>{escape(probe)}</code>: {escape(reason)}</li>'
            for probe, reason in skipped
        ]
        parts.append("</ul>")
    if passed:
        parts.append(
            "<h3>Held</h3><p>" + ", ".join(f"<code>{escape(check)}</code>" for check in passed) + "</p>"
        )
    parts.append("</section>")
    return parts


def _failure(check: str, findings: list[Finding]) -> str:
    escape = html.escape
    first = min(findings, key=lambda finding: len(finding.curl or ""))
    kind = "failed" if first.documented else "note on the inferred contract"
    css = "fail" if first.documented else "note"
    on = ", ".join(str(index) for index in first.exchanges)
    return "".join(
        [
            f'<details class="failure" open><summary class="{css}">{escape(check)}: {kind}, '
            f"on {len(findings)} exchange(s); rules {escape(', '.join(first.rules))}</summary>",
            f"<pre>{escape(first.message)}</pre>",
            f'<p>It rests on exchange(s) <span class="exchanges-of">{on}</span></p>',
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


def _exchanges(session: Session) -> list[str]:
    """The table of exchanges: each request, its status, and the rules it broke."""
    escape = html.escape
    log = session.judge.log or []
    shown = [line for index, line in enumerate(log) if index < MAX_EXCHANGE_ROWS or line.checks]
    parts = [
        f'<h2 id="exchanges">Exchanges ({len(log)})</h2>',
        '<table class="exchanges"><tr><th>#</th><th>request</th><th>status</th><th>broke</th></tr>',
    ]
    for line in shown:
        broke = sorted({rule.id for check in line.checks for rule in rules_of(line.operation, check)})
        css = ' class="broken"' if line.checks else ""
        parts.append(
            f'<tr{css} id="exchange-{line.index}"><td>{line.index}</td>'
            f"<td>{escape(line.method)} {escape(line.path)}</td>"
            f"<td>{line.status}</td><td>{escape(', '.join(broke or line.checks))}</td></tr>"
        )
    if len(shown) < len(log):
        parts.append(
            f"<tr><td colspan=4>... {len(log) - len(shown)} more exchanges, none broke a rule</td></tr>"
        )
    parts.append("</table>")
    return parts
