"""A successful redemption, judged against the inferred contract (D9) only where the docs imply it.

Only the path of redeem is documented; its answer's shape is the schema phase's to compare with
the inferred schema. What the other pages imply is that a code awards its batch's pointsValue.
"""

from __future__ import annotations

from ..exchange import Exchange
from ..ledger import Ledger
from ._registry import Violation, is_integer, response_check, sent


@response_check("redeem")
def redemption_awards_code_points(exchange: Exchange, ledger: Ledger) -> None:
    """Redeeming a code of this run awards its batch's pointsValue (when the answer says what it awarded)."""
    batch = ledger.own_batch(code := sent(exchange, "code"))
    awarded = exchange.data.get("pointsAwarded")
    if batch is None or not exchange.sent_as_configured or not is_integer(awarded):
        return
    if awarded != batch.points_value:
        raise Violation(
            f"Expected pointsAwarded {batch.points_value!r}, the pointsValue of the batch of {code}; "
            f"received {awarded!r}"
        )
