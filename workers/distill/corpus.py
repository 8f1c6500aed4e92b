"""Generated documents for the example custom taxonomy (samples/taxonomy-custom.yaml): HR,
payroll, badge and clinic records holding EMPLOYEE_ID, MEDICAL_RECORD_NUMBER, PERSON and
STREET_ADDRESS, with look-alikes that are none of them (ticket, purchase-order, cost-centre and
error codes), mixed with `pii-worker gen` log lines so the student also sees ordinary logs.

Gold offsets are exact by construction (workers.loggen's builder). Deterministic per (seed, i).

    python -m workers.distill.corpus --n 2000 --seed 1 > docs.jsonl
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterator

import orjson

from workers.loggen import GoldDoc, _Builder, _Values, iter_docs

CUSTOM_TYPES = ("EMPLOYEE_ID", "MEDICAL_RECORD_NUMBER", "PERSON", "STREET_ADDRESS")


def employee_id(r: random.Random) -> str:
    """The example company's two employee-number schemes (see the taxonomy's guideline)."""
    if r.random() < 0.6:
        return f"E{r.randint(100000, 999999)}"
    return f"EMP-{r.randint(10000, 99999)}"


def _lookalike(b: _Builder, r: random.Random) -> None:
    kind = r.randrange(5)
    if kind == 0:
        b.decoy("ORDER_ID", f"INC{r.randint(10**6, 10**7 - 1):07d}")
    elif kind == 1:
        b.decoy("ORDER_ID", f"PO-{r.randint(10000, 99999)}")
    elif kind == 2:
        b.decoy("ORDER_ID", f"CC-{r.randint(1000, 9999)}")
    elif kind == 3:
        b.decoy("MESSAGE_ID", f"E{r.randint(1000, 9999)}")  # an error code, 4 digits
    else:
        b.decoy("ORDER_ID", f"REQ{r.randint(100000, 999999)}")


def _hr_ticket(b: _Builder, v: _Values) -> None:
    r = v.r
    b.t(r.choice(["HR ticket ", "Case ", "Request "]))
    _lookalike(b, r)
    b.t(r.choice([": employee ", " - staff member ", ": "])).pii("PERSON", v.person())
    b.t(r.choice([" (", " / id ", ", employee no. "])).pii("EMPLOYEE_ID", employee_id(r))
    b.t(r.choice([") moved to ", " new home address: ", " relocated to "])).pii("STREET_ADDRESS", v.full_address())
    b.t(r.choice([". Update payroll.", "; badge to be reissued.", ". Approved by "]))
    if b.parts[-1].endswith("by "):
        b.pii("PERSON", v.person()).t(".")


def _payroll(b: _Builder, v: _Values) -> None:
    r = v.r
    ts = v.when().strftime("%Y-%m-%dT%H:%M:%SZ")
    b.t(f"{ts} payroll-svc INFO run=").decoy("ORDER_ID", f"PR{r.randint(1000, 9999)}")
    b.t(" emp=").pii("EMPLOYEE_ID", employee_id(r)).t(' name="').pii("PERSON", v.person()).t('"')
    b.t(f" gross={r.randint(2000, 9000)}.{r.randint(0, 99):02d} cost_center=")
    b.decoy("ORDER_ID", f"CC-{r.randint(1000, 9999)}")


def _badge(b: _Builder, v: _Values) -> None:
    r = v.r
    ts = v.when().strftime("%b %d %H:%M:%S")
    door = r.choice(["B2-LOBBY", "LAB-3", "DC-EAST", "GARAGE"])
    b.t(f"{ts} {v.host()} badge[{r.randint(100, 9999)}]: access ")
    b.t(r.choice(["granted", "denied"])).t(f" door={door} holder=").pii("EMPLOYEE_ID", employee_id(r))
    if r.random() < 0.5:
        b.t(" err=").decoy("MESSAGE_ID", f"E{r.randint(1000, 9999)}")


def _clinic(b: _Builder, v: _Values) -> None:
    r = v.r
    b.t(r.choice(["Clinic note: ", "Occupational health: ", "Visit summary - "]))
    b.t("patient ").pii("PERSON", v.person())
    pre, post = r.choice([(", MRN ", ", employee "), (" (MRN: ", ") staff id "), (" chart ", "; staff no. ")])
    b.t(pre).pii("MEDICAL_RECORD_NUMBER", v.mrn()).t(post).pii("EMPLOYEE_ID", employee_id(r))
    if r.random() < 0.3:
        b.t(", lives at ").pii("STREET_ADDRESS", v.full_address())
    b.t(r.choice([". Follow-up in 2 weeks.", ". Cleared for duty.", ". Referred, ticket "]))
    if b.parts[-1].endswith("ticket "):
        _lookalike(b, r)
        b.t(".")


def _json_hr(b: _Builder, v: _Values) -> None:
    r = v.r
    b.t('{"event":"profile.update","actor":"').pii("EMPLOYEE_ID", employee_id(r))
    b.t('","subject":{"name":"').pii("PERSON", v.person()).t('","address":"').pii("STREET_ADDRESS", v.street())
    b.t('"},"request":"')
    _lookalike(b, r)
    b.t(f'","ok":{r.choice(["true", "false"])}}}')


def _email(b: _Builder, v: _Values) -> None:
    r = v.r
    first, last = v.first_last()
    b.t("Hi team, please ship the laptop for ").pii("PERSON", f"{first} {last}")
    b.t(" (employee ").pii("EMPLOYEE_ID", employee_id(r)).t(") to ").pii("STREET_ADDRESS", v.full_address())
    b.t(". PO ")
    b.decoy("ORDER_ID", f"PO-{r.randint(10000, 99999)}")
    b.t(" covers it. Thanks, ").pii("PERSON", first if r.random() < 0.5 else v.person())


def _kv(b: _Builder, v: _Values) -> None:
    r = v.r
    b.t(f"level=info svc=hris op={r.choice(['lookup', 'update', 'export'])} ")
    b.t("employee_id=").pii("EMPLOYEE_ID", employee_id(r))
    if r.random() < 0.5:
        b.t(" mrn=").pii("MEDICAL_RECORD_NUMBER", v.mrn())
    b.t(" ticket=")
    _lookalike(b, r)
    b.t(f" latency_ms={r.randint(2, 900)}")


def _csv(b: _Builder, v: _Values) -> None:
    r = v.r
    b.t("emp_id,name,address,dept\n")
    for _ in range(r.randint(1, 3)):
        b.pii("EMPLOYEE_ID", employee_id(r)).t(",").pii("PERSON", v.person()).t(',"')
        b.pii("STREET_ADDRESS", v.full_address()).t(f'",{r.choice(["ENG", "OPS", "FIN", "HR"])}\n')


def _no_pii(b: _Builder, v: _Values) -> None:
    """Negative documents: look-alikes only."""
    r = v.r
    b.t(f"{v.when().isoformat()} scheduler INFO job ")
    _lookalike(b, r)
    b.t(r.choice([" finished", " queued behind ", " retried after "]))
    _lookalike(b, r)
    b.t(f" in {r.randint(1, 500)} ms")


_FORMATS: dict[str, Callable[[_Builder, _Values], None]] = {
    "hr_ticket": _hr_ticket,
    "payroll": _payroll,
    "badge": _badge,
    "clinic": _clinic,
    "json_hr": _json_hr,
    "email": _email,
    "kv_hr": _kv,
    "csv_hr": _csv,
    "no_pii": _no_pii,
}
# Clinic records are the only source of most MRNs: drawn twice as often.
_NAMES = sorted(_FORMATS)
_WEIGHTS = [2.0 if n == "clinic" else 1.0 for n in _NAMES]
# Share of documents taken from `pii-worker gen` (ordinary logs, spans kept for the four types).
LOG_SHARE = 0.3


def iter_custom_docs(n: int, seed: int = 0) -> Iterator[GoldDoc]:
    """n documents; document i depends only on (seed, i)."""
    from faker import Faker

    fake = Faker("en_US")
    for i in range(n):
        doc_seed = (seed * 1_000_033 + i) & 0x7FFFFFFF
        rng = random.Random(doc_seed)
        if rng.random() < LOG_SHARE:
            g = next(iter_docs(1, doc_seed))
            keep = [s for s in g.spans if s.type in CUSTOM_TYPES]
            yield GoldDoc(id=f"cust-{seed}-{i}", text=g.text, spans=keep, format=f"log:{g.format}", decoys=g.decoys)
            continue
        fake.seed_instance(doc_seed)
        fmt = rng.choices(_NAMES, _WEIGHTS)[0]
        b = _Builder()
        _FORMATS[fmt](b, _Values(fake, rng))
        yield GoldDoc(id=f"cust-{seed}-{i}", text=b.text(), spans=b.spans, format=fmt, decoys=b.decoys)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m workers.distill.corpus", description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    out = sys.stdout.buffer
    for d in iter_custom_docs(a.n, a.seed):
        out.write(orjson.dumps(d.to_json()) + b"\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
