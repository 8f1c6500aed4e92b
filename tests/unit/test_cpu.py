"""Thread placement from the machine: vLLM CPU binding and onnxruntime threads, user values kept."""

from __future__ import annotations

import pytest

from workers import cpu


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(cpu, "_ours", {})


def on(monkeypatch, cores):
    monkeypatch.setattr(cpu.os, "sched_getaffinity", lambda pid: set(cores))


@pytest.mark.parametrize(
    ("cores", "text"),
    [
        ([0], "0"),
        ([0, 1], "0-1"),
        ([0, 1, 2, 5], "0-2,5"),
        ([3, 1, 2, 9, 10], "1-3,9-10"),
        ([4, 6, 8], "4,6,8"),
    ],
)
def test_cpu_list_uses_kernel_ranges(cores, text):
    assert cpu.cpu_list(cores) == text


@pytest.mark.parametrize(
    ("cores", "ranks", "bind"),
    [
        ((0, 1), 1, "0-1"),
        ((0, 1, 2, 3), 2, "0-1|2-3"),
        ((0, 1, 2), 2, "0-1|2"),
        ((0,), 4, "0"),
    ],
)
def test_tensor_parallel_ranks_get_disjoint_core_groups(cores, ranks, bind):
    assert cpu.bind_value(cores, ranks) == bind


def test_unset_variables_come_from_this_process_affinity(monkeypatch):
    on(monkeypatch, [2, 3])  # a cpuset: not the machine's first cores
    env: dict[str, str] = {}
    plan = cpu.configure_threads(environ=env)
    assert env == {cpu.BIND: "2-3", cpu.RESERVED: "0"}
    assert plan.cores == (2, 3) and plan.intra_op == 2 and not plan.user_set
    assert cpu.configure_threads(environ=env) == plan  # idempotent


def test_user_values_are_never_overridden(monkeypatch):
    on(monkeypatch, [0, 1])
    env = {cpu.BIND: "1", cpu.RESERVED: "1"}
    plan = cpu.configure_threads(ranks=2, environ=env)
    assert env == {cpu.BIND: "1", cpu.RESERVED: "1"} and plan.user_set


def test_a_later_rank_count_replaces_only_our_own_choice(monkeypatch):
    on(monkeypatch, [0, 1, 2, 3])
    env: dict[str, str] = {}
    cpu.configure_threads(environ=env)
    assert env[cpu.BIND] == "0-3"
    cpu.configure_threads(ranks=2, environ=env)  # the engine learns its tensor-parallel size later
    assert env[cpu.BIND] == "0-1|2-3"


@pytest.mark.parametrize(("raw", "n"), [("3", 3), (" 1 ", 1), ("", 2)])
def test_intra_op_threads_default_and_override(monkeypatch, raw, n):
    on(monkeypatch, [0, 1])
    assert cpu.intra_op_threads({cpu.INTRA_OP: raw}) == n


@pytest.mark.parametrize("raw", ["0", "-2", "two"])
def test_bad_intra_op_override_is_rejected(raw):
    with pytest.raises(ValueError, match=cpu.INTRA_OP):
        cpu.intra_op_threads({cpu.INTRA_OP: raw})


def test_every_cli_command_configures_threads(monkeypatch, tmp_path):
    from workers.cli import main

    on(monkeypatch, [0, 1])
    monkeypatch.delenv(cpu.BIND, raising=False)
    monkeypatch.delenv(cpu.RESERVED, raising=False)
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "1", "text": "mail a@b.io"}\n')
    assert main(["redact", "-q", "-i", str(src), "-o", str(tmp_path / "out.jsonl")]) == 0
    assert cpu.os.environ[cpu.BIND] == "0-1" and cpu.os.environ[cpu.RESERVED] == "0"
