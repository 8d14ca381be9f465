"""Start and stop the processes the browser suite drives: JupyterLab, Voila, Chromium.

Every process is started in its own session (so it leads its own process
group) and stopped by PID: first politely, then for good. Kernels started by
a Jupyter server run in sessions of their own (jupyter_client launches them
with ``start_new_session``), so they would survive a signal to the server's
group; their PIDs are collected before the server is told to stop and each
one is ended by PID as well. Nothing is ever ended by name.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

CHROMIUM_PATH = Path("/usr/bin/chromium")

#: Flags measured to give a quiet, offline-friendly headless Chromium (no sandbox, GPU, sync or update checks).
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
)

#: What the kernels see, as in tools/execute_notebooks.py, so printed numbers match the stored ones.
KERNEL_ENVIRONMENT = {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}

#: JupyterLab user settings written before the server starts.
LAB_SETTINGS = {
    # The "get notified about Jupyter news?" toast covers the notebook on first
    # load; --LabApp.news_url=None does not stop it, this file does.
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    # The extension manager asks PyPI for listings: no network here, and none needed.
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
}


#: Every server and browser started and not yet stopped, so a run that ends without fixture
#: teardown (an error while pytest itself exits) still stops them, by PID, at interpreter exit.
_RUNNING: list = []


@atexit.register
def _stop_leftovers() -> None:
    for running in list(_RUNNING):
        running.stop()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def isolated_jupyter_environment(work_dir: Path) -> dict[str, str]:
    """Environment for a Jupyter process whose config, data, runtime, settings and workspaces live in work_dir.

    The venv's own share/jupyter (kernelspec, lab extensions such as the
    widget manager) stays on the search path: Jupyter adds sys.prefix itself.
    """
    folders = {
        "JUPYTER_CONFIG_DIR": work_dir / "config",
        "JUPYTER_DATA_DIR": work_dir / "data",
        "JUPYTER_RUNTIME_DIR": work_dir / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": work_dir / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": work_dir / "lab-workspaces",
        "IPYTHONDIR": work_dir / "ipython",
        "MPLCONFIGDIR": work_dir / "matplotlib",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, **KERNEL_ENVIRONMENT, **{name: str(path) for name, path in folders.items()}}
    # Silences "Jupyter is migrating its paths" in every kernel's stderr.
    environment["JUPYTER_PLATFORM_DIRS"] = "1"
    # The kernels must import this checkout's gpool_helpers even if the venv's copy is stale.
    repository = str(Path(__file__).resolve().parents[2])
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [repository, os.environ.get("PYTHONPATH")]))
    return environment


def write_lab_settings(settings_dir: Path) -> None:
    for relative, content in LAB_SETTINGS.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content), encoding="utf-8")


def stop_process(process: subprocess.Popen, also_stop: list[int] | None = None, grace_seconds: float = 10.0) -> None:
    """Stop ``process`` (and its process group) and every PID in ``also_stop``; SIGKILL what outlives the grace time."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=grace_seconds)
    survivors = []
    for pid in also_stop or []:
        try:
            child = psutil.Process(pid)
            child.terminate()
            survivors.append(child)
        except psutil.NoSuchProcess:
            continue
    _, still_alive = psutil.wait_procs(survivors, timeout=grace_seconds)
    for child in still_alive:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass


def descendant_pids(pid: int) -> list[int]:
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _tail(path: Path, characters: int = 3000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-characters:]
    except FileNotFoundError:
        return "(no log)"


def _launch_until_ready(
    owner: object,
    name: str,
    command: list[str],
    log_path: Path,
    ready: Callable[[], bool],
    ready_timeout: float,
    poll_seconds: float,
    **popen_options: object,
) -> subprocess.Popen:
    """Start ``command`` in its own session with output to ``log_path`` and wait for ``ready()``.

    The process is registered for the atexit clean-up before the wait, so it is
    stopped even when readiness never comes; ``owner.stop()`` ends it on a timeout.
    """
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **popen_options,
        )
    owner.process = process
    _RUNNING.append(owner)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode} before it was ready:\n" + _tail(log_path))
        if ready():
            return process
        time.sleep(poll_seconds)
    owner.stop()
    raise RuntimeError(f"{name} was not ready after {ready_timeout:.0f} s:\n" + _tail(log_path))


@dataclass
class JupyterServer:
    """A JupyterLab (``kind="lab"``) or Voila (``kind="voila"``) server on 127.0.0.1 with a token."""

    kind: str
    served: Path
    work_dir: Path
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen | None = None
    #: More command-line options, e.g. the Chinese edition's --LabApp.app_settings_dir.
    extra_args: list[str] = field(default_factory=list)
    #: More environment variables, e.g. the learner's lab's JUPYTER_CONFIG_PATH (run.py's learner_lab).
    extra_env: dict[str, str] = field(default_factory=dict)
    #: The folder it starts in (relative paths in extra_args are read from there); default: the served folder's.
    cwd: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.work_dir / f"{self.kind}-server.log"

    def command(self) -> list[str]:
        if self.kind == "lab":
            return [
                sys.executable, "-m", "jupyterlab",
                "--no-browser",
                "--allow-root",
                "--ip=127.0.0.1",
                f"--port={self.port}",
                # Fail loudly instead of drifting to another port than the one we poll.
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.served}",
                # Lets the test call JupyterLab commands (run all cells) the way the menu does.
                "--LabApp.expose_app_in_browser=True",
                "--LabApp.news_url=None",
                "--ServerApp.terminals_enabled=False",
                *self.extra_args,
            ]
        if self.kind == "voila":
            return [
                sys.executable, "-m", "voila", str(self.served),
                "--no-browser",
                "--Voila.ip=127.0.0.1",
                f"--Voila.port={self.port}",
                "--Voila.port_retries=0",
                # Voila serves without a token by default; ours keeps other local users out.
                f"--Voila.token={self.token}",
                *self.extra_args,
            ]
        raise ValueError(f"JupyterServer.kind must be 'lab' or 'voila'; got {self.kind!r}")

    def start(self, ready_timeout: float = 90.0) -> JupyterServer:
        environment = isolated_jupyter_environment(self.work_dir)
        if self.kind == "lab":
            write_lab_settings(Path(environment["JUPYTERLAB_SETTINGS_DIR"]))
        _launch_until_ready(
            self,
            f"{self.kind} server",
            self.command(),
            self.log_path,
            self._answers,
            ready_timeout,
            poll_seconds=0.25,
            cwd=self.cwd or (self.served if self.served.is_dir() else self.served.parent),
            env={**environment, **self.extra_env},
        )
        return self

    def _answers(self) -> bool:
        if self.kind == "voila":
            # Voila's "/" runs the notebook in a new kernel on every request, so only knock on the port.
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2):
                    return True
            except OSError:
                return False
        path = "/api/status"
        try:
            with urllib.request.urlopen(f"{self.base_url}{path}?token={self.token}", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def api(self, method: str, path: str) -> object:
        """Call the Jupyter REST API; returns the decoded JSON body (None when empty)."""
        request = urllib.request.Request(
            f"{self.base_url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_all_kernels(self) -> None:
        """Kernels outlive the page that started them; end every session so the next notebook starts fresh."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def url(self, path: str) -> str:
        separator = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{separator}token={self.token}"

    def stop(self) -> None:
        if self.process is None:
            return
        kernels = descendant_pids(self.process.pid)
        stop_process(self.process, also_stop=kernels)
        self.process = None
        _RUNNING[:] = [running for running in _RUNNING if running is not self]


@dataclass
class ChromiumProcess:
    """Debian's Chromium, headless, with a DevTools endpoint that Playwright connects to.

    Started here rather than by Playwright so that the test owns its PID and
    can always end it, even when Playwright's connection is already broken.
    """

    work_dir: Path
    executable: Path = CHROMIUM_PATH
    process: subprocess.Popen | None = None
    endpoint: str | None = None

    @property
    def log_path(self) -> Path:
        return self.work_dir / "chromium.log"

    def start(self, ready_timeout: float = 60.0) -> ChromiumProcess:
        profile = self.work_dir / "chromium-profile"
        profile.mkdir(parents=True, exist_ok=True)
        command = [
            str(self.executable),
            *CHROMIUM_FLAGS,
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ]

        def endpoint_found() -> bool:
            found = re.search(r"DevTools listening on (ws://\S+)", _tail(self.log_path, 100_000))
            if found:
                self.endpoint = found.group(1)
            return found is not None

        _launch_until_ready(self, "Chromium", command, self.log_path, endpoint_found, ready_timeout, poll_seconds=0.1)
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        stop_process(self.process, also_stop=descendant_pids(self.process.pid), grace_seconds=5.0)
        self.process = None
        _RUNNING[:] = [running for running in _RUNNING if running is not self]


def browser_tools_missing() -> str | None:
    """Why the browser suite cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"Playwright for Python is not installed ({error}); pip install playwright"
    if not os.access(CHROMIUM_PATH, os.X_OK):
        return f"Chromium is not installed at {CHROMIUM_PATH}; apt-get install chromium"
    return None
