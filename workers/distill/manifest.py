"""The student's manifest.json and the check the `ner` detector runs against it at start.

A distilled student knows exactly the types of the taxonomy it was taught. Loading it with a
different taxonomy would silently detect the wrong things (or nothing), so the detector refuses
to start when the names or versions differ or when the model emits a type the taxonomy lacks,
and says which model and which taxonomy. Same name and version but another fingerprint (a
guideline or operator edited without a version bump) is allowed with a warning: the types the
student learnt are still those of the taxonomy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workers.taxonomy import Taxonomy

MANIFEST = "manifest.json"


class ModelMismatchError(ValueError):
    """A student model and the loaded taxonomy do not belong together."""


def taxonomy_ref(t: Taxonomy) -> dict[str, str]:
    return {"name": t.name, "version": t.version, "fingerprint": t.fingerprint}


def read_manifest(model_dir: Path) -> dict[str, Any] | None:
    p = model_dir / MANIFEST
    if not p.is_file():
        return None
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ModelMismatchError(f"{p}: not valid JSON ({e.msg})") from None
    if not isinstance(data, dict):
        raise ModelMismatchError(f"{p}: expected a JSON object")
    return data


def check_student(manifest: dict[str, Any] | None, taxonomy: Taxonomy, model: str) -> list[str]:
    """Raise ModelMismatchError if `model` (its manifest) was not made for `taxonomy`; return
    warnings otherwise. A model without a manifest or without a taxonomy in it (a packaged
    encoder with its own label set) is not checked here: the taxonomy's label mapping is."""
    if not manifest or not isinstance(manifest.get("taxonomy"), dict):
        return []
    want = manifest["taxonomy"]
    have = taxonomy_ref(taxonomy)
    mine = f"taxonomy {have['name']!r} version {have['version']!r} (fingerprint {have['fingerprint']})"
    theirs = (
        f"model {model!r} was distilled for taxonomy {want.get('name')!r} version "
        f"{want.get('version')!r} (fingerprint {want.get('fingerprint')})"
    )
    if want.get("name") != have["name"] or str(want.get("version")) != have["version"]:
        raise ModelMismatchError(
            f"{theirs}, but the loaded one is {mine}: use the taxonomy the model was "
            f"distilled for, or distill a model for this one (pii-worker distill)"
        )
    unknown = [t for t in manifest.get("labels") or [] if t not in taxonomy.by_name]
    if unknown:
        raise ModelMismatchError(f"{theirs}; it emits {', '.join(unknown)}, which {mine} does not define")
    if want.get("fingerprint") and want["fingerprint"] != have["fingerprint"]:
        return [
            f"{theirs}; the loaded {mine} has the same name and version but other content "
            f"(an edited guideline?): the model's types still match, consider re-distilling"
        ]
    return []
