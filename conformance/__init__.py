"""A conformance suite for implementations of the GamifyHost codes API.

One judge holds traffic to the catalogue of the documented rules, whatever its source: the suite's
own requests (an active run), recorded HAR files, or live traffic through its proxy. The package
is in rooms, arrows only downward:

- `judge`: the catalogue (`judge.rules`), the checks that judge its rules, and what the judge
  remembers of the traffic it saw;
- `sources`: where exchanges come from: `sources.active` (probes and schemathesis),
  `sources.har` (and the proxy's recordings), `sources.proxy` (forwarding in a process of its own,
  `sources.forwarding`);
- `reports`: progress lines, the summary, HTML, junit and JSON;
- `kit`: the entry points: the command line `gamifyhost-conformance`, the pytest plugin, and
  `python -m conformance.kit.local`.

`run(argv)` judges as the command line does; `evaluate(argv, app=...)` returns a `Report`, and
can run an ASGI app in process.
"""

from .kit.cli import Report, evaluate, run
from .sources.settings import Settings

__all__ = ["Report", "Settings", "evaluate", "run"]
