"""`concierge demo`: one command starts web, worker and scheduler; Ctrl-C leaves nothing behind."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from tests.conftest import ENV_VARS, free_port

BIN = Path(sys.executable).parent


def start_demo(instance: Path, port: int) -> tuple[subprocess.Popen, queue.Queue]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env["INSTANCE_PATH"] = str(instance)
    proc = subprocess.Popen(
        [str(BIN / "concierge"), "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=instance.parent,
    )
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def run_demo_once(instance: Path, port: int) -> subprocess.CompletedProcess:
    """A demo that is expected to refuse to start (it would otherwise run until stopped)."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env["INSTANCE_PATH"] = str(instance)
    return subprocess.run(
        [str(BIN / "concierge"), "demo", "--port", str(port)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def read_until(lines: queue.Queue, prefix: str, timeout: float = 120) -> list[str]:
    seen = []
    while True:
        line = lines.get(timeout=timeout)  # a hang fails; speed does not
        if line is None:
            raise AssertionError(f"demo exited early; printed {seen}")
        seen.append(line)
        if line.startswith(prefix):
            return seen


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()


def log_in(link: str) -> urllib.request.OpenerDirector:
    """A browser (a cookie jar) that opened the printed login link and pressed its button."""
    import http.cookiejar
    import re
    import urllib.parse

    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(link, timeout=30) as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode()).group(1)
    form = urllib.parse.urlencode({"csrf_token": token}).encode()
    with browser.open(link, data=form, timeout=30) as dashboard:
        assert dashboard.status == 200 and "Demo Mentoring" in dashboard.read().decode()
    return browser


def wait_until(check, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached before the guard timeout"
        threading.Event().wait(0.2)


def redis_pid(instance: Path) -> int:
    settings = json.loads((instance / "redis.db.settings").read_text())
    return int(Path(settings["pidfile"]).read_text())


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=120)


def test_demo_runs_everything_and_ctrl_c_stops_every_process(tmp_path):
    instance = tmp_path / "instance"
    port = free_port()
    proc, lines = start_demo(instance, port)
    try:
        printed = read_until(lines, "Login link:")
        assert printed[0] == "Seeded the demo programs."
        assert f"Dashboard: http://127.0.0.1:{port}/" in printed
        assert printed[-1].startswith(f"Login link: http://127.0.0.1:{port}/login/")
        assert get(f"http://127.0.0.1:{port}/healthz") == (
            200,
            '{"database":"ok","mail":"dev_outbox","redis":"ok"}\n',
        )

        browser = log_in(printed[-1].removeprefix("Login link: "))

        def introductions_rendered() -> bool:
            with browser.open(f"http://127.0.0.1:{port}/dev/mail", timeout=30) as page:
                return "Ana Ruiz &amp; Maya Lin" in page.read().decode()

        wait_until(introductions_rendered)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 3
        server_pid = redis_pid(instance)
        assert psutil.pid_exists(server_pid)

        # A second demo of the same installation, and one of another on the same port, start nothing.
        second = run_demo_once(instance, port)
        assert second.returncode == 1 and second.stdout == ""
        assert second.stderr == (
            f"concierge: a demo is already running (http://127.0.0.1:{port}/, pid {proc.pid}): "
            "use it, or stop it with Ctrl-C in its terminal\n"
        )
        elsewhere = run_demo_once(tmp_path / "elsewhere" / "instance", port)
        assert (elsewhere.returncode, elsewhere.stderr) == (
            1,
            f"concierge: port {port} is in use: choose another with --port\n",
        )
        assert not (tmp_path / "elsewhere" / "instance" / "redis.db.settings").exists()
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200  # the first one untouched
        assert psutil.pid_exists(server_pid)
    finally:
        code = stop(proc)
    errors = proc.stderr.read() if proc.stderr else ""
    assert code == 0, errors
    for noise in ("Traceback", "Exception ignored", "unexpected error", "redis unreachable", "Error"):
        assert noise not in errors, errors  # Ctrl-C is clean

    def all_gone() -> bool:
        def running(process: psutil.Process) -> bool:
            try:
                return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                return False

        return not any(running(p) for p in children) and not psutil.pid_exists(server_pid)

    wait_until(all_gone, timeout=60)

    again, lines = start_demo(instance, port)
    try:
        printed = read_until(lines, "Login link:")
        assert printed[0] == "Reusing the demo data from the last run."
    finally:
        assert stop(again) == 0
    assert not (instance / "redis.db.settings").exists(), "the embedded Redis was left registered"
