"""The root of every error this package raises on purpose.

Each package keeps its own error class next to the code that raises it (TaxonomyError in
workers.taxonomy, RecordError in workers.records, DetectorError in workers.detect.base,
ProvisionError in workers.modelcache, ...), all subclasses of `PiiWorkerError`, so a host can
tell "pii-workers refused this" from a bug with one `except`. They also keep their historical
builtin base (ValueError or RuntimeError) so existing `except ValueError` handlers still hold.

`ConfigError` lives here because every loader (pipeline, stream, LLM, encoder and Serve
settings) raises the same one: a host maps it to "fix your configuration" (exit code 2).
"""

from __future__ import annotations


class PiiWorkerError(Exception):
    """Something pii-workers refused or could not do; the message says what, never a PII value."""


class ConfigError(PiiWorkerError, ValueError):
    """Configuration that cannot start a worker; the message names the source, the key and why."""


__all__ = ["ConfigError", "PiiWorkerError"]
