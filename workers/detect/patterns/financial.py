"""Financial recognizers: payment cards, IBANs and crypto-currency addresses."""

from __future__ import annotations

from workers.detect import validators as v
from workers.detect.patterns.fragments import _CARD_KEY, _SEP, CARD_CONTEXT
from workers.detect.patterns.recognizer import Recognizer

FINANCIAL: tuple[Recognizer, ...] = (
    # --- financial ---------------------------------------------------------------------------
    Recognizer(
        "credit_card",
        "CREDIT_CARD",
        # Network prefixes: Visa 4, MC 2/5, Amex/Diners/JCB 3, Discover/Maestro/UnionPay 6, Maestro 50,
        # old JCB 1800/2131. Excludes 0/7/8/9 and 13-digit epoch-millisecond runs starting with 1.
        # "_" may precede the number ("sku_4111111111111111": no word boundary there).
        r"(?:\b|_)((?:4|5|6|3|2|1800)\d{2,3}(?:[ -]?\d){8,15})\b",
        0.75,
        v.credit_card,
        group=1,
        context=CARD_CONTEXT,
        trim_chunks=True,
        standalone=True,
        checksum=True,
    ),
    Recognizer(
        # Groups separated by dots or slashes, the same separator throughout
        # ("4111.1111.1111.1111" is a card, not a Cisco MAC address followed by a number).
        "credit_card_dotted",
        "CREDIT_CARD",
        r"\b(?:\d{4}\.\d{4}\.\d{4}\.\d{1,7}|\d{4}\.\d{6}\.\d{4,5}|\d{4}/\d{4}/\d{4}/\d{1,7}|\d{4}/\d{6}/\d{4,5})\b",
        0.75,
        v.credit_card,
        context=CARD_CONTEXT,
        standalone=True,
        checksum=True,
    ),
    Recognizer(
        # Right after a card key the key says what it is: any Luhn-valid 12-19 digit number,
        # whatever its issuer prefix (12-digit Maestro, private-label cards).
        "keyed_card",
        "CREDIT_CARD",
        r"\b" + _CARD_KEY + _SEP + r"(\d(?:[ ./-]?\d){11,18})\b",
        0.95,
        v.luhn_number,
        group=1,
        ignore_case=True,
        checksum=True,
    ),
    Recognizer(
        "iban",
        "IBAN_CODE",
        r"\b[A-Za-z]{2}\d{2}[ ]?(?:[A-Za-z0-9]{4}[ ]?){2,7}[A-Za-z0-9]{1,4}\b",
        0.95,
        v.iban,
        context=("iban", "account", "bank", "transfer"),
        trim_chunks=True,
        checksum=True,
    ),
    Recognizer(
        "crypto_btc",
        "CRYPTO",
        r"\b[13][1-9A-HJ-NP-Za-km-z]{25,34}\b",
        0.95,
        v.btc_base58,
        checksum=True,
        context=("btc", "bitcoin", "wallet"),
    ),
    Recognizer(
        "crypto_bech32",
        "CRYPTO",
        r"\b(?:bc|tb|BC|TB)1[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}\b",
        0.95,
        v.btc_bech32,
        checksum=True,
    ),
    Recognizer(
        "crypto_eth",
        "CRYPTO",
        r"\b0x[0-9a-fA-F]{40}\b",
        0.6,
        v.eth_address,
        context=("eth", "ethereum", "wallet", "address", "0x"),
    ),
)
