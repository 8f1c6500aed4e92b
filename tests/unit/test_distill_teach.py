"""teach: reading inputs, the three teachers, the split, and failures of the cascade."""

from __future__ import annotations

import gzip
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from workers.distill.teach import InputDoc, TeachError, read_docs, split_of, teach

TYPES = ["EMPLOYEE_ID", "PERSON"]


def _write(path: Path, recs: list[Any]) -> Path:
    raw = b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in recs)
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return path


@pytest.mark.parametrize("name", ["docs.jsonl", "docs.jsonl.gz"])
def test_read_docs_plain_and_gzip(tmp_path: Path, name: str) -> None:
    p = _write(
        tmp_path / name,
        [
            {"id": "a", "text": "E123456 here", "spans": [{"type": "EMPLOYEE_ID", "start": 0, "end": 7}]},
            {"text": "no gold"},
        ],
    )
    docs = list(read_docs(p))
    assert [d.id for d in docs] == ["a", "2"]
    assert docs[0].spans == [{"type": "EMPLOYEE_ID", "start": 0, "end": 7}] and docs[1].spans is None
    assert [d.id for d in read_docs(p, limit=1)] == ["a"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"{not json", "invalid JSON"),
        ({"id": 1}, "string 'text'"),
        ({"text": "abc", "spans": {"type": "X"}}, "must be a list"),
        ({"text": "abc", "spans": [{"type": "PERSON", "start": 1}]}, "needs type, start, end"),
        ({"text": "abc", "spans": [{"type": "PERSON", "start": 1, "end": 9}]}, "outside the text"),
    ],
)
def test_bad_lines_fail_naming_the_line_not_the_text(tmp_path: Path, line: Any, message: str) -> None:
    p = _write(tmp_path / "d.jsonl", [{"text": "ok"}, line])
    with pytest.raises(TeachError, match=message) as e:
        list(read_docs(p))
    assert "d.jsonl:2" in str(e.value) and "abc" not in str(e.value)


def test_split_is_stable_and_near_the_share() -> None:
    ids = [f"doc-{i}" for i in range(2000)]
    held = [i for i in ids if split_of(i, 0.1) == "heldout"]
    assert held == [i for i in ids if split_of(i, 0.1) == "heldout"]
    assert 140 < len(held) < 260
    assert all(split_of(i, 0.0) == "train" for i in ids[:50])


def _docs() -> list[InputDoc]:
    return [
        InputDoc(
            "g1",
            "by Ann Lee E123456",
            [
                {"type": "PERSON", "start": 3, "end": 10},
                {"type": "EMPLOYEE_ID", "start": 11, "end": 18},
                {"type": "EMAIL_ADDRESS", "start": 0, "end": 2},
            ],
        ),
        InputDoc("u1", "holder E654321", None),
        InputDoc("u2", "holder E111111", None),
    ]


class FakeCascade:
    def __init__(self, fail: Sequence[str] = ()):
        self.seen: list[str] = []
        self.fail = set(fail)

    def __call__(self, docs: Sequence[InputDoc]) -> list[list[dict[str, Any]] | str]:
        self.seen += [d.id for d in docs]
        return [
            "detect: llm: DetectorError: timeout"
            if d.id in self.fail
            else [{"type": "EMPLOYEE_ID", "start": 7, "end": 14}, {"type": "URL", "start": 0, "end": 6}]
            for d in docs
        ]


def _run(
    teacher: str, cascade: FakeCascade | None, docs: list[InputDoc] | None = None
) -> tuple[list[dict[str, Any]], Any]:
    out = io.BytesIO()
    stats = teach(
        iter(docs or _docs()),
        out,
        types=TYPES,
        teacher=teacher,
        heldout=0.0,  # type: ignore[arg-type]
        labeller=(lambda: cascade) if cascade else None,
        batch_size=1,
    )
    return [orjson.loads(x) for x in out.getvalue().splitlines()], stats


def test_auto_uses_gold_where_present_and_the_cascade_elsewhere() -> None:
    cascade = FakeCascade()
    recs, stats = _run("auto", cascade)
    assert cascade.seen == ["u1", "u2"]
    assert [(r["id"], r["teacher"]) for r in recs] == [("g1", "gold"), ("u1", "llm"), ("u2", "llm")]
    # Types the student does not learn are dropped from silver and gold alike.
    assert recs[0]["spans"] == [
        {"type": "PERSON", "start": 3, "end": 10},
        {"type": "EMPLOYEE_ID", "start": 11, "end": 18},
    ]
    assert [s["type"] for s in recs[0]["gold"]] == ["PERSON", "EMPLOYEE_ID"]
    assert recs[1]["spans"] == [{"type": "EMPLOYEE_ID", "start": 7, "end": 14}] and "gold" not in recs[1]
    assert stats.by_teacher == {"gold": 1, "llm": 2} and stats.llm_docs == 2


def test_llm_teacher_labels_gold_documents_too_and_keeps_their_gold() -> None:
    cascade = FakeCascade()
    recs, _ = _run("llm", cascade)
    assert cascade.seen == ["g1", "u1", "u2"]
    assert recs[0]["teacher"] == "llm" and len(recs[0]["gold"]) == 2


def test_gold_teacher_never_builds_the_cascade_and_needs_spans_everywhere() -> None:
    recs, _ = _run("gold", None, _docs()[:1])
    assert recs[0]["teacher"] == "gold"
    with pytest.raises(TeachError, match="u1"):
        _run("gold", None)


def test_documents_the_cascade_failed_on_are_left_out_not_taught_as_clean() -> None:
    recs, stats = _run("llm", FakeCascade(fail=["u1"]))
    assert [r["id"] for r in recs] == ["g1", "u2"] and stats.teacher_failed == 1
    assert stats.summary()["failure_reasons"] == {"detect: llm: DetectorError: timeout": 1}


def test_a_cascade_failing_on_every_document_stops_early() -> None:
    docs = [InputDoc(f"u{i}", "holder E654321", None) for i in range(100)]
    cascade = FakeCascade(fail=[d.id for d in docs])
    with pytest.raises(TeachError, match="failed on all 32 documents so far, e.g. detect: llm: DetectorError: timeout"):
        _run("llm", cascade, docs)
    assert len(cascade.seen) == 32
