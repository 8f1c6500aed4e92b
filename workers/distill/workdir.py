"""The resumable work folder: each phase writes its outputs, then a marker naming the key of the
inputs it used. A rerun skips a phase whose marker key matches and whose outputs are all there.

Keys hash what a phase reads, including the files earlier phases wrote, never the phase's own
outputs: so an edit to the silver labels (teach's output) retrains, but does not re-teach and
overwrite the edit; and a phase that reran and produced the same bytes lets later ones skip.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def make_key(parts: dict[str, Any]) -> str:
    """Stable hash of a phase's inputs (JSON with sorted keys)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:20]


class WorkDir:
    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        return self.root / name

    def _marker(self, phase: str) -> Path:
        return self.root / f".{phase}.done.json"

    def record(self, phase: str) -> dict[str, Any] | None:
        """The marker of a finished phase (its key and summary), or None."""
        try:
            data = json.loads(self._marker(phase).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def is_done(self, phase: str, key: str, outputs: Iterable[Path]) -> bool:
        rec = self.record(phase)
        return rec is not None and rec.get("key") == key and all(p.exists() for p in outputs)

    def mark(self, phase: str, key: str, summary: dict[str, Any]) -> None:
        # Written last and atomically: a crash mid-phase leaves no marker, so the phase reruns.
        tmp = self._marker(phase).with_suffix(".tmp")
        tmp.write_text(json.dumps({"key": key, **summary}, indent=1, default=str))
        os.replace(tmp, self._marker(phase))

    def forget(self, phase: str) -> None:
        self._marker(phase).unlink(missing_ok=True)
