"""The catalogue and the judge: rules, the checks that judge them, and what the judge remembers.

Every source of traffic (the active run, a HAR file, the proxy) gives the judge `Exchange`s;
`Judge.judge` holds each to the checks of the catalogue (`rules.RULES`) and books the findings.
Nothing here sends a request. Where to add a rule is said in rules.py.
"""

from .exchange import Exchange, decode_json, headers_of, mask
from .findings import Books, Finding, Violation
from .judge import Judge, LogLine
from .roles import Roles
from .rules import RULES, Kind, Rule

__all__ = [
    "RULES",
    "Books",
    "Exchange",
    "Finding",
    "Judge",
    "Kind",
    "LogLine",
    "Roles",
    "Rule",
    "Violation",
    "decode_json",
    "headers_of",
    "mask",
]
