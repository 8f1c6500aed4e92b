"""National identifiers: structural rules plus the python-stdnum check digits."""

from __future__ import annotations

from stdnum.ca import sin as _ca_sin
from stdnum.es import dni as _es_dni
from stdnum.es import nie as _es_nie
from stdnum.fr import nir as _fr_nir
from stdnum.gb import nhs as _gb_nhs
from stdnum.in_ import aadhaar as _in_aadhaar
from stdnum.in_ import pan as _in_pan
from stdnum.it import codicefiscale as _it_cf
from stdnum.nl import bsn as _nl_bsn
from stdnum.us import itin as _us_itin

from workers.detect.validators.checksums import digits

# Numbers the SSA voided after they were published in advertising and samples.
_SSN_VOID = {"078051120", "219099999", "457555462"}


def us_ssn(value: str) -> bool:
    d = digits(value)
    # Never issued: area 000, 666 or 9xx; group 00; serial 0000.
    return (
        len(d) == 9
        and d[:3] not in ("000", "666")
        and d[0] != "9"
        and d[3:5] != "00"
        and d[5:] != "0000"
        and d not in _SSN_VOID
        and len(set(d)) > 1
    )


def us_itin(value: str) -> bool:
    return _us_itin.is_valid(digits(value))


def uk_nhs(value: str) -> bool:
    d = digits(value)
    return len(d) == 10 and len(set(d)) > 1 and _gb_nhs.is_valid(d)


def es_nif(value: str) -> bool:
    v = value.replace("-", "").upper()
    return _es_dni.is_valid(v) or _es_nie.is_valid(v)


def it_fiscal_code(value: str) -> bool:
    return _it_cf.is_valid(value.upper())


def in_pan(value: str) -> bool:
    return _in_pan.is_valid(value.upper())


def in_aadhaar(value: str) -> bool:
    return _in_aadhaar.is_valid(digits(value))


def ca_sin(value: str) -> bool:
    return _ca_sin.is_valid(digits(value))


def nl_bsn(value: str) -> bool:
    d = digits(value)
    return len(d) == 9 and len(set(d)) > 2 and _nl_bsn.is_valid(d)


def fr_nir(value: str) -> bool:
    return _fr_nir.is_valid(value.replace(" ", "").upper())
