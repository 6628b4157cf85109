"""The Ray engine on a real cluster: ``ray start --head`` plus a second worker node process.

Both nodes run on this machine on a loopback address (127.0.0.2: Ray rewrites 127.0.0.1 to
the machine's network address), with token authentication as Ray clusters have by default.
``nianbao extract --engine ray --ray-address`` connects to it like to any existing cluster;
its outputs must be byte-identical to the local engine's. The nodes are stopped by their
own process groups, never by ``ray stop`` (which stops every Ray on the machine).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nianbao.evaluation.bench.batch import write_generated

pytestmark = pytest.mark.slow
HOST = "127.0.0.2"
QUICK = ("pdf", "tab", "markdown", "html_text", "lines_nbsp", "ocr")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _start_node(ray: Path, env: dict[str, str], port: int, temp: Path, head: bool) -> subprocess.Popen:
    ports = [
        f"--{name}-port={_free_port()}"
        for name in (
            "node-manager",
            "object-manager",
            "dashboard-agent-listen",
            "dashboard-agent-grpc",
            "runtime-env-agent",
            "metrics-export",
        )
    ]
    role = (
        ["--head", f"--port={port}", "--include-dashboard=false", f"--temp-dir={temp}"]
        if head
        else [f"--address={HOST}:{port}"]
    )
    command = [
        str(ray),
        "start",
        "--block",
        f"--node-ip-address={HOST}",
        "--num-cpus=1",
        "--disable-usage-stats",
        *ports,
        *role,
    ]
    log = open(temp.parent / f"{'head' if head else 'worker'}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the node's own process group (Ray drains, then stops its processes)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


NODES = """
import sys, time, ray
ray.init(address=sys.argv[1], log_to_driver=False)
deadline = time.monotonic() + 90
while len([n for n in ray.nodes() if n["Alive"]]) < 2 and time.monotonic() < deadline:
    time.sleep(0.5)
print(len([n for n in ray.nodes() if n["Alive"]]), int(ray.cluster_resources().get("CPU", 0)))
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    pytest.importorskip("ray")
    ray = Path(sys.executable).with_name("ray")
    root = Path(os.path.realpath("/tmp")) / f"nbray-{secrets.token_hex(3)}"  # short: Ray's socket paths
    (root / "t").mkdir(parents=True)
    env = {
        **os.environ,
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    port = _free_port()
    head = _start_node(ray, env, port, root / "t", head=True)
    worker = None
    try:
        deadline = time.monotonic() + 90
        while head.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        for _ in range(2):  # a worker node that has not joined in 90 s (a loaded machine) starts again
            if worker is not None:
                _stop(worker)
            worker = _start_node(ray, env, port, root / "t", head=False)
            probe = subprocess.run(
                [sys.executable, "-c", NODES, f"{HOST}:{port}"], env=env, capture_output=True, text=True, timeout=180
            )
            assert probe.returncode == 0, probe.stderr[-2000:] + (root / "head.log").read_text()[-2000:]
            if probe.stdout.split()[-2:] == ["2", "2"]:
                break
        logs = (root / "worker.log").read_text()[-2000:]
        assert probe.stdout.split()[-2:] == ["2", "2"], probe.stdout + logs  # two live nodes, one CPU each
        yield f"{HOST}:{port}", env
    finally:
        for proc in (worker, head):
            if proc is not None:
                _stop(proc)
        shutil.rmtree(root, ignore_errors=True)


def test_ray_cluster_output_is_identical_to_local(cluster: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    address, env = cluster
    folder = tmp_path / "in"
    write_generated(folder, 24, seed=31, styles=QUICK)
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    nianbao = [sys.executable, "-m", "nianbao.cli", "extract", str(folder), "-q"]
    local = subprocess.run(
        [*nianbao, "-o", str(tmp_path / "local"), "-w", "1"], capture_output=True, text=True, timeout=300
    )
    assert local.returncode == 0, local.stderr
    on_ray = subprocess.run(
        [*nianbao, "-o", str(tmp_path / "ray"), "--engine", "ray", "--ray-address", address, "-w", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert on_ray.returncode == 0, on_ray.stderr[-3000:]
    outputs = {p.name: p.read_bytes() for p in sorted((tmp_path / "local").glob("*.json"))}
    assert len(outputs) == 25 and outputs == {p.name: p.read_bytes() for p in sorted((tmp_path / "ray").glob("*.json"))}
    manifests = [
        [json.loads(line) for line in (tmp_path / d / "manifest.jsonl").read_text("utf-8").splitlines()]
        for d in ("local", "ray")
    ]
    assert [r["output"] for r in manifests[0]] == [r["output"] for r in manifests[1]]
    assert [r["sha256"] for r in manifests[0]] == [r["sha256"] for r in manifests[1]]
