"""The reports of a session: progress lines while it runs, the summary, and files (HTML, junit, JSON).

Reports only format what the judge found: none of them decides anything.
"""

from __future__ import annotations

from ..sources.session import Session
from .html import write_html
from .json import write_json
from .junit import write_junit
from .progress import Progress
from .summary import heading, render, verdict, violation_line

__all__ = [
    "Progress",
    "heading",
    "render",
    "verdict",
    "violation_line",
    "write_files",
    "write_html",
    "write_json",
    "write_junit",
]


def write_files(session: Session) -> None:
    """The files the settings ask for: --html, --junit-xml, --json."""
    settings = session.settings
    if settings.html:
        write_html(settings.html, session)
    if settings.junit_xml:
        write_junit(settings.junit_xml, session)
    if settings.json:
        write_json(settings.json, session)
