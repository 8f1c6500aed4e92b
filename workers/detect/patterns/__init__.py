"""Built-in recognizers: RE2-syntax candidate patterns + validators + context words.

Scores: a candidate that passes its validator gets `score`; each recognizer's context words
found near the candidate add CONTEXT_BOOST; negative words subtract it. A span is reported when
its final score reaches the entity's `min_score` (0.5 by default), so recognizers with a base
below 0.5 fire only with supporting context (e.g. bare 9-digit numbers as SSNs).
"""

from __future__ import annotations

from workers.detect.patterns.accounts import ACCOUNTS
from workers.detect.patterns.contact import CONTACT
from workers.detect.patterns.credentials import CREDENTIALS
from workers.detect.patterns.financial import FINANCIAL
from workers.detect.patterns.hosts import HOSTS
from workers.detect.patterns.national_ids import NATIONAL_IDS
from workers.detect.patterns.network import NETWORK
from workers.detect.patterns.people import PEOPLE
from workers.detect.patterns.recognizer import Recognizer
from workers.detect.patterns.security import SECURITY

# Order matters: recognizers run in this order (deferred ones last, skipping what earlier ones
# claimed), so reordering the families changes which recognizer wins a tie.
BUILTIN: tuple[Recognizer, ...] = (
    *CONTACT,
    *FINANCIAL,
    *NATIONAL_IDS,
    *NETWORK,
    *CREDENTIALS,
    *PEOPLE,
    *ACCOUNTS,
    *SECURITY,
    *HOSTS,
)

__all__ = ["BUILTIN", "Recognizer"]
