"""``fakekube serve`` as a user runs it: a subprocess, its output, its signals, its socket."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml


@contextmanager
def serving(*argv: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start ``python -m fakekube serve`` with ``argv``; yield it and its announced URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakekube", "serve", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        assert first.startswith("fakekube serving on http://"), first + proc.stderr.read()
        yield proc, first.split()[-1]
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket in LISTEN on ``port`` (from /proc/net/tcp)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hexport = local.partition(":")
            if state == "0A" and int(hexport, 16) == port:
                found.add(address)
    return found


def test_serve_port_0_announces_the_chosen_port_on_loopback(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc"
    with serving("--port", "0", "--kubeconfig", str(kubeconfig)) as (proc, url):
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1" and parts.port and parts.port > 0
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == f"kubeconfig: {kubeconfig}"
        # Bound to loopback only: 127.0.0.1 in /proc/net/tcp's little-endian hex.
        assert listening_addresses(parts.port) == {"0100007F"}
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as resp:
            assert resp.read() == b"ok"
        server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
        assert server == url


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_shuts_down_cleanly_and_releases_the_port(
    tmp_path: Path, signum: signal.Signals
) -> None:
    with serving("--port", "0", "--kubeconfig", str(tmp_path / "kc")) as (proc, url):
        port = urlsplit(url).port
        assert port
        # An open watch (kubectl get -w, an informer) must not hold the shutdown up.
        watch = socket.create_connection(("127.0.0.1", port), timeout=10)
        watch.sendall(b"GET /api/v1/pods?watch=true HTTP/1.1\r\nHost: x\r\n\r\n")
        assert watch.recv(12) == b"HTTP/1.1 200"
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
        watch.close()
    assert proc.returncode == 0, err
    assert out.splitlines()[-1] == "fakekube shutting down"
    assert "Traceback" not in err
    assert listening_addresses(port) == set()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=10).close()


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = ["serve", "--port", str(port), "--kubeconfig", str(tmp_path / "kc")]
        proc = subprocess.run(
            [sys.executable, "-m", "fakekube", *argv],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"fakekube: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_console_script_is_the_same_command_as_python_m_fakekube() -> None:
    script = shutil.which("fakekube")
    assert script, "the fakekube console script is not on PATH (pip install -e . installs it)"
    by_script = subprocess.run(
        [script, "serve", "--help"], capture_output=True, text=True, timeout=60
    )
    by_module = subprocess.run(
        [sys.executable, "-m", "fakekube", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert by_script.returncode == by_module.returncode == 0
    assert "--host" in by_module.stdout and "--port" in by_module.stdout
    assert by_script.stdout.replace("fakekube", "") == by_module.stdout.replace(
        "__main__.py", ""
    ).replace("fakekube", "")
