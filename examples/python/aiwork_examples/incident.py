"""Assesses an incident report by keywords and chooses the response steps
(the names of the flow's templates to inject). Twin of examples/tools/incident.ts."""

import re

_OUTAGE = re.compile(r"(down|outage|unavailable|500|data loss)")
_CUSTOMERS = re.compile(r"(customer|users|all|everyone)")


def assess(report: str) -> dict:
    text = report.lower()
    outage = _OUTAGE.search(text) is not None
    customers = _CUSTOMERS.search(text) is not None
    if outage and customers:
        return {"severity": "1", "steps": ["page_oncall", "status_page", "open_ticket"]}
    if outage:
        return {"severity": "2", "steps": ["page_oncall", "open_ticket"]}
    return {"severity": "3", "steps": ["open_ticket"]}
