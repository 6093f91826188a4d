"""Streamable HTTP: a real server process, a real client in both protocol eras, and the header checks."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client

from codecot_mcp.server.transport import http_security, is_loopback

from .test_workflow import run_workflow, sample_repo  # noqa: F401  (a fixture)

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "0"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_http(repo: Path, *options: str) -> list[str]:
    """The command line of an HTTP server on `repo`."""
    return [
        sys.executable,
        "-m",
        "codecot_mcp",
        "--repo",
        str(repo),
        "serve",
        "--transport",
        "http",
        *options,
    ]


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("server did not listen in time")


@pytest.fixture
def http_server(sample_repo: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:  # noqa: F811
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            serve_http(sample_repo, "--port", str(port)),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}/mcp", sample_repo
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_demo_path_passes_over_http_in_both_eras(http_server: tuple[str, Path], mode: str) -> None:
    url, repo = http_server
    async with Client(url, mode=mode) as client:
        outcome = await run_workflow(client, repo)
    assert outcome["validation"]["verdict"] == "pass"


def post_initialize(port: int, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/mcp", json.dumps(INITIALIZE), {**ACCEPT, **headers})
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_foreign_host_or_origin_is_refused(http_server: tuple[str, Path]) -> None:
    url, _ = http_server
    port = int(url.split(":")[2].split("/")[0])
    assert post_initialize(port, {}) == 200
    assert post_initialize(port, {"Origin": f"http://localhost:{port}"}) == 200
    assert post_initialize(port, {"Host": f"evil.example:{port}"}) == 421
    assert post_initialize(port, {"Origin": "http://evil.example"}) == 403


def test_a_non_loopback_bind_needs_the_explicit_flag(sample_repo: Path) -> None:  # noqa: F811
    result = subprocess.run(
        serve_http(sample_repo, "--host", "0.0.0.0", "--port", str(free_port())),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr


def test_allowed_names_cover_loopback_the_bound_address_and_extras() -> None:
    settings = http_security("192.168.1.5", ["dev.internal"])
    names = ["127.0.0.1", "localhost", "[::1]", "192.168.1.5", "dev.internal"]
    assert settings.allowed_hosts == [f"{name}:*" for name in names]
    assert "http://dev.internal:*" in settings.allowed_origins
    assert "0.0.0.0:*" not in http_security("0.0.0.0").allowed_hosts
    assert http_security("::1").allowed_hosts.count("[::1]:*") == 1
    assert is_loopback("127.0.0.2") and is_loopback("::1") and not is_loopback("10.0.0.1")
