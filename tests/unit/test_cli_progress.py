"""Progress on stderr for long CLI work: documents done, docs/s, ETA; throttled; silent with -q."""

from __future__ import annotations

import io
import json
import re

import pytest

from workers.cli import main
from workers.cli import progress as progress_mod
from workers.cli.progress import Progress, count_lines


class Clock:
    def __init__(self, step: float):
        self.t, self.step = 0.0, step

    def __call__(self) -> float:
        now = self.t
        self.t += self.step
        return now


@pytest.fixture
def clock(monkeypatch):
    def install(step: float) -> Clock:
        c = Clock(step)
        monkeypatch.setattr(progress_mod, "_clock", c)
        return c

    return install


def test_line_has_done_rate_share_and_eta(clock):
    clock(0)
    p = Progress("job", 1000, stream=io.StringIO())
    assert p.line(250, p.t0 + 50) == "job: 250 docs, 5.0 docs/s (25% of 1,000), ETA 2:30"
    assert p.line(1000, p.t0 + 100) == "job: 1,000 docs, 10.0 docs/s (100% of 1,000)"
    assert Progress("job", None).line(7, p.t0 + 7200 * 0 + 2) == "job: 7 docs, 3.5 docs/s"
    assert p.line(1, p.t0 + 1).endswith("ETA 16:39")
    assert p.line(1, p.t0 + 4).endswith("ETA 1:06:36")


def test_at_most_one_line_per_interval(clock):
    clock(0.5)  # each call is half a second after the previous one
    out = io.StringIO()
    p = Progress("job", 100, stream=out, interval=1.5)
    for done in range(10, 101, 10):
        p(done)
    lines = out.getvalue().splitlines()
    assert len(lines) == p.lines == 3  # calls at 0.5 s steps, one line per 1.5 s
    assert all(line.startswith("job: ") for line in lines)


def test_disabled_prints_nothing(clock):
    clock(10)
    out = io.StringIO()
    p = Progress("job", 10, stream=out, enabled=False)
    p(5)
    assert out.getvalue() == ""


def test_count_lines_counts_non_blank_lines_of_regular_files_only(tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_bytes(b'{"a":1}\n\n  \n{"b":2}\n{"c":3}')
    assert count_lines(str(f)) == 3
    assert count_lines("-") is None and count_lines(str(tmp_path)) is None
    assert count_lines(str(tmp_path / "missing")) is None


def write_docs(tmp_path, n: int):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": f"mail user{i}@example.com"}) + "\n" for i in range(n)))
    return src


PROGRESS_LINE = re.compile(r"^pii-worker redact: (\d+) docs, [\d.]+ docs/s \((\d+)% of 10\)(, ETA \d+:\d\d)?$")


def test_redact_prints_progress_per_batch_on_stderr(tmp_path, capsys, clock):
    clock(2.0)  # every batch takes "2 s": each one is reported
    src = write_docs(tmp_path, 10)
    rc = main(["redact", "-i", str(src), "-o", str(tmp_path / "out.jsonl"), "--batch-size", "3"])
    assert rc == 0
    err = capsys.readouterr().err.splitlines()
    prog = [m for m in (PROGRESS_LINE.match(line) for line in err) if m]
    assert [int(m.group(1)) for m in prog] == [3, 6, 9, 10]
    assert prog[0].group(3) is not None and prog[-1].group(3) is None  # ETA until done
    assert err[-1].startswith("pii-worker redact: 10 documents")  # the summary still comes last


def test_redact_quiet_prints_nothing(tmp_path, capsys, clock):
    clock(2.0)
    src = write_docs(tmp_path, 10)
    assert main(["redact", "-q", "-i", str(src), "-o", str(tmp_path / "out.jsonl"), "--batch-size", "3"]) == 0
    assert capsys.readouterr().err == ""


def test_fast_runs_stay_short(tmp_path, capsys, clock):
    clock(0.01)  # batches faster than the interval: no progress lines, just the summary
    src = write_docs(tmp_path, 10)
    assert main(["redact", "-i", str(src), "-o", str(tmp_path / "out.jsonl"), "--batch-size", "1"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("pii-worker redact: 10 documents")


def test_eval_prints_progress_unless_quiet(tmp_path, capsys, clock):
    clock(2.0)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        "".join(
            json.dumps(
                {
                    "id": str(i),
                    "text": f"mail u{i}@example.com",
                    "spans": [{"type": "EMAIL_ADDRESS", "start": 5, "end": 5 + len(f"u{i}@example.com")}],
                }
            )
            + "\n"
            for i in range(5)
        )
    )
    assert main(["eval", "--gold", str(gold), "--batch-size", "2", "--json"]) == 0
    cap = capsys.readouterr()
    lines = [x for x in cap.err.splitlines() if x.startswith("pii-worker eval: ")]
    assert [int(x.split()[2]) for x in lines] == [2, 4, 5]
    json.loads(cap.out)  # stdout stays machine-readable
    assert main(["eval", "--gold", str(gold), "--batch-size", "2", "--json", "-q"]) == 0
    assert "pii-worker eval: " not in capsys.readouterr().err
