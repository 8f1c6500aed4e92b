"""National identifier recognizers (python-stdnum checksums)."""

from __future__ import annotations

from workers.detect import validators as v
from workers.detect.patterns.recognizer import Recognizer

NATIONAL_IDS: tuple[Recognizer, ...] = (
    # --- national identifiers (python-stdnum checksums) --------------------------------------
    Recognizer(
        "us_ssn",
        "US_SSN",
        r"\b\d{3}-\d{2}-\d{4}\b",
        0.85,
        v.us_ssn,
        context=("ssn", "social security", "social sec"),
    ),
    Recognizer(
        "us_ssn_spaced",
        "US_SSN",
        r"\b\d{3} \d{2} \d{4}\b",
        0.6,
        v.us_ssn,
        context=("ssn", "social security"),
        context_score=1.0,
    ),
    Recognizer(
        "us_ssn_plain",
        "US_SSN",
        r"\b\d{9}\b",
        0.3,
        v.us_ssn,
        context=("ssn", "social security"),
        context_score=1.0,
    ),
    Recognizer(
        "us_itin",
        "US_ITIN",
        r"\b9\d{2}[- ]?(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])[- ]?\d{4}\b",
        0.7,
        v.us_itin,
        context=("itin", "taxpayer", "tax id"),
        context_score=1.0,
    ),
    Recognizer(
        "uk_nhs",
        "UK_NHS",
        r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b",
        0.35,
        v.uk_nhs,
        context=("nhs", "national health", "health service"),
        context_score=1.0,
    ),
    Recognizer(
        "es_nif",
        "ES_NIF",
        r"\b(?:\d{8}|[XYZxyz]-?\d{7})-?[A-Za-z]\b",
        0.6,
        v.es_nif,
        context=("nif", "dni", "nie", "documento"),
        context_score=1.0,
    ),
    Recognizer(
        "it_fiscal_code",
        "IT_FISCAL_CODE",
        r"\b[A-Za-z]{6}\d{2}[A-Za-z]\d{2}[A-Za-z]\d{3}[A-Za-z]\b",
        0.9,
        v.it_fiscal_code,
        context=("codice fiscale", "fiscal", "cf"),
    ),
    Recognizer(
        "in_pan",
        "IN_PAN",
        r"\b[A-Za-z]{3}[ABCFGHLJPTKabcfghljptk][A-Za-z]\d{4}[A-Za-z]\b",
        0.4,
        v.in_pan,
        context=("pan", "permanent account", "income tax"),
        context_score=1.0,
    ),
    Recognizer(
        "in_aadhaar",
        "IN_AADHAAR",
        r"\b[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}\b",
        0.35,
        v.in_aadhaar,
        context=("aadhaar", "aadhar", "uidai"),
        context_score=1.0,
    ),
    Recognizer(
        "ca_sin",
        "CA_SIN",
        r"\b\d{3}[ -]?\d{3}[ -]?\d{3}\b",
        0.3,
        v.ca_sin,
        context=("sin", "social insurance"),
        context_score=1.0,
    ),
    Recognizer(
        "nl_bsn",
        "NL_BSN",
        r"\b\d{9}\b",
        0.3,
        v.nl_bsn,
        context=("bsn", "burgerservicenummer", "sofinummer"),
        context_score=1.0,
    ),
    Recognizer(
        "fr_nir",
        "FR_NIR",
        r"\b[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[ABab]) ?\d{3} ?\d{3} ?\d{2}\b",
        0.75,
        v.fr_nir,
        context=("nir", "sécurité sociale", "securite sociale", "insee"),
    ),
    Recognizer(
        # 3.2.4 dotted groups are an SSN's shape (dates are 4.2.2 or 2.2.4); a version or build
        # number, or four dotted numbers (an IP, an OID), is not.
        "us_ssn_dotted",
        "US_SSN",
        r"\b\d{3}\.\d{2}\.\d{4}\b",
        0.6,
        v.us_ssn,
        context=("ssn", "social security", "social sec"),
        negative_context=("version", "release", "build", "ver", "rev"),
        context_score=1.0,
        reject_after=("/", "v", "version ", *(c + "." for c in "0123456789")),
        reject_before=tuple("." + c for c in "0123456789"),
    ),
)
