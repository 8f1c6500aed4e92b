"""Join the parts of a postal address into one STREET_ADDRESS span.

Small models often return "Koskikatu 25" as STREET_ADDRESS and the lines after it ("Oulu",
"Finland") as separate LOCATIONs, and leave the postal code or "Suite 464" out. In an address block
those parts are the address: one span redacts the block as a unit and types it as the guideline
asks. A part is joined when it follows the address (or a part already joined) across nothing but
separators (spaces, commas, semicolons, at most two line breaks) and is either an LLM LOCATION span
or looks like a postal code, a unit ("Apt. 3", "Suite 464") or a two-letter region code.
Pure: text and spans in, spans out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workers.models import Span

ADDRESS, PART = "STREET_ADDRESS", "LOCATION"

_GAP = re.compile(r"[ \t,;]*(?:\r?\n[ \t,;]*){0,2}")
_TOKEN = re.compile(
    r"(?:"
    r"(?:apartment|apt|suite|ste|unit|flat|floor|fl|room|rm|building|bldg)(?:\.\s*|\s*#\s*|\s+)[A-Za-z0-9-]{1,6}"
    r"|\d{3,6}(?:-\d{3,4})?"  # numeric postal codes, ZIP+4
    r"|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"  # UK
    r"|[A-Z]\d[A-Z]\s?\d[A-Z]\d"  # Canada
    r"|[A-Z]{2}"  # US state, region code
    r")(?![\w])",
    re.IGNORECASE,
)


def join_address_parts(text: str, spans: Sequence[Span]) -> list[Span]:
    """Extend each STREET_ADDRESS span over the address parts that follow it."""
    ordered = sorted(spans, key=lambda s: (s.start, -s.end))
    parts = {s.start: s for s in ordered if s.type == PART}
    absorbed: set[Span] = set()
    out: list[Span] = []
    for s in ordered:
        if s.type != ADDRESS:
            continue
        end = s.end
        while True:
            gap = _GAP.match(text, end)
            nxt = gap.end() if gap else end
            part = parts.get(nxt)
            if part is not None and part not in absorbed:
                absorbed.add(part)
                end = part.end
                continue
            tok = _TOKEN.match(text, nxt)
            # A bare two-letter word only counts when it is upper case (a region code, not "in").
            if tok and (len(tok.group()) != 2 or tok.group().isupper()) and nxt < len(text):
                end = tok.end()
                continue
            break
        out.append(s if end == s.end else s.model_copy(update={"end": end}))
    out.extend(s for s in ordered if s.type != ADDRESS and s not in absorbed)
    return sorted(out, key=lambda s: (s.start, s.end, s.type))
