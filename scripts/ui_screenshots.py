"""The Prefect UI pictures of the README's operator's day (docs/ui-*.png), from a real server.

    .venv/bin/python -m scripts.ui_screenshots                 # every picture
    .venv/bin/python -m scripts.ui_screenshots --demo-home DIR  # build or reuse the demo there

What it does, as an operator would:

1. Debian's `chromium`, installed when missing (tests/libreoffice.py's `install_debian_package`:
   as root or with password-less sudo). The tests never need it.
2. A demo workspace (`dxreport demo`), built once in `--demo-home` (default `build/ui-demo`) and
   reused; each run works on a fresh copy of it, so its Prefect database holds only this run's runs.
3. `dxreport server` on free loopback ports for that copy; waits until the deployments have their
   Vietnamese forms and the worker is online.
4. Through the API: `intake` and a `backfill` dry run, `reopen-period` for 2025Q3 (the demo
   issued it), then `quarterly-report` with `final: true`, which renders the draft and pauses for
   the reviewer's sign-off (answered with a rejection at the end, so nothing stays paused).
5. Headless Chromium driven over the DevTools protocol (`--remote-debugging-port`): each page is
   photographed once the text it must show is there (a plain `--screenshot` cannot click the
   paused run's Resume button, and cannot tell a loaded page from a half-rendered one).
6. The server is stopped with SIGINT (what Ctrl-C sends), then anything left of it is killed.

Pictures: ui-deployments.png, ui-custom-run.png, ui-paused-run.png, ui-sign-off.png,
ui-artifacts.png, ui-runs.png (each at most MAX_BYTES, reduced to a palette when larger).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DEFAULT_DEMO_HOME = ROOT / "build" / "ui-demo"
PERIOD = "2025Q3"
WINDOW = (1440, 1000)
MAX_BYTES = 250 * 1024
REVIEWER = "Nguyễn Thị Minh Thư"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--lang=vi-VN",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
]


def say(text: str) -> None:
    print(f"ui_screenshots: {text}", flush=True)


# --- chromium ------------------------------------------------------------------------------------


def ensure_chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    from tests.libreoffice import install_debian_package

    say("installing Debian's chromium")
    if not install_debian_package("chromium"):
        raise SystemExit(
            "chromium is missing and cannot be installed here: apt-get install chromium"
        )
    found = shutil.which("chromium")
    if not found:
        raise SystemExit("chromium installed but not on PATH")
    return found


def free_port(pair: bool = False) -> int:
    """A free loopback port (with `pair`, the next one is free too: the file server's)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if not pair or port >= 65535:
            return port
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port + 1)) != 0:
                return port


class Browser:
    """One headless Chromium tab, driven over the DevTools protocol."""

    def __init__(self, chromium: str, profile: Path) -> None:
        port = free_port()
        self.proc = subprocess.Popen(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                    pages = [t for t in json.load(r) if t.get("type") == "page"]
                if pages:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.3)
        from websockets.sync.client import connect

        self.ws = connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self.next_id = 0
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=WINDOW[0],
            height=WINDOW[1],
            deviceScaleFactor=1,
            mobile=False,
        )

    def call(self, method: str, **params: object) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def js(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_text(self, *texts: str, timeout: float = 60) -> None:
        """Until the page shows every one of `texts` (then a moment for the last paint)."""
        probe = " && ".join(f"document.body.innerText.includes({json.dumps(t)})" for t in texts)
        deadline = time.monotonic() + timeout
        while not self.js(f"!!document.body && {probe}"):
            if time.monotonic() > deadline:
                shown = str(self.js("document.body ? document.body.innerText : ''"))[:800]
                raise RuntimeError(f"the page never showed {texts}; it shows:\n{shown}")
            time.sleep(0.5)
        time.sleep(1.5)

    def open(self, url: str, *texts: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_text(*texts)

    def click(self, text: str) -> None:
        """Click the innermost element labelled `text` (a button, a tab); the click bubbles up."""
        clicked = self.js(
            "(() => { const all = [...document.querySelectorAll('button, a, [role=tab], li, span, div')]"
            f".filter(e => e.innerText && e.innerText.trim() === {json.dumps(text)});"
            " const e = all[all.length - 1]; if (e) { e.click(); return true; } return false; })()"
        )
        if not clicked:
            raise RuntimeError(f"nothing labelled {text!r} on the page")

    def shoot(self, out: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        out.write_bytes(base64.b64decode(data))
        return shrink(out)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def shrink(png: Path) -> Path:
    """Re-save optimised; when still above MAX_BYTES, as a 256-colour palette (the UI is flat)."""
    from PIL import Image

    with Image.open(png) as image:
        rgb = image.convert("RGB")
    rgb.save(png, optimize=True)
    if png.stat().st_size > MAX_BYTES:
        rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(png, optimize=True)
    return png


# --- the workspace and the server ----------------------------------------------------------------


def command_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    for name in ("PREFECT_API_URL", "DXREPORT_NOW", "PREFECT_SERVER_API_AUTH_STRING"):
        env.pop(name, None)
    return env


def demo_workspace(demo_home: Path) -> Path:
    """The demo workspace in `demo_home`, built by `dxreport demo` unless it is there already."""
    if (demo_home / ".dxreport-demo").exists() and (
        demo_home / "reports" / PERIOD / f"bao-cao-{PERIOD}.pdf"
    ).exists():
        say(f"reusing the demo workspace {demo_home}")
        return demo_home
    say(f"building the demo workspace {demo_home} (2-3 minutes)")
    demo_home.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "flows.cli", "demo", "--home", str(demo_home)],
        cwd=ROOT,
        env=command_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return demo_home


def fresh_copy(demo_home: Path, target: Path) -> Path:
    """A copy of the demo workspace without its Prefect database or a server's state file."""
    shutil.copytree(
        demo_home,
        target,
        ignore=shutil.ignore_patterns(".prefect", ".dxreport-server.json", "demo-source"),
    )
    return target


class Api:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def __call__(self, method: str, path: str, body: object = None) -> object:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def deployments(self) -> dict[str, dict]:
        found = self("POST", "/deployments/filter", {})
        assert isinstance(found, list)
        return {d["name"]: d for d in found}

    def wait_ready(self, timeout: float = 600) -> dict[str, dict]:
        """The deployments once tightened (DXREPORT_HOME in their environment) and a worker online."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                found = self.deployments()
                report = found.get("quarterly-report")
                env = ((report or {}).get("job_variables") or {}).get("env") or {}
                workers = self("POST", "/work_pools/dxreport/workers/filter", {})
                online = any(w.get("status") == "ONLINE" for w in workers)  # type: ignore[union-attr]
                if "DXREPORT_HOME" in env and online:
                    return found
            time.sleep(2)
        raise RuntimeError("the deployments or the worker were not ready in time")

    def run(self, deployment: dict, parameters: dict) -> str:
        created = self(
            "POST", f"/deployments/{deployment['id']}/create_flow_run", {"parameters": parameters}
        )
        assert isinstance(created, dict)
        return str(created["id"])

    def wait_state(self, run_id: str, wanted: set[str], timeout: float = 600) -> dict:
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            run = self("GET", f"/flow_runs/{run_id}")
            assert isinstance(run, dict)
            state = (run.get("state") or {}).get("type")
            if state in wanted:
                return run
            if state in {"FAILED", "CRASHED", "CANCELLED"}:
                raise RuntimeError(f"run {run.get('name')} ended {state}: {run['state']}")
            time.sleep(1)
        raise RuntimeError(f"run {run_id} stayed {state}, wanted {wanted}")


@contextlib.contextmanager
def dxreport_server(home: Path, log: Path) -> Iterator[tuple[str, str]]:
    """`dxreport server` for `home` on free ports: yields (UI url, API url); stopped with SIGINT,
    then whatever is left of its process tree is killed."""
    import psutil

    port = free_port(pair=True)
    env = command_env()
    env.pop("PREFECT_SERVER_API_PORT", None)
    env["DXREPORT_FILES_PORT"] = str(port + 1)
    with log.open("w", encoding="utf-8") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "server", "--home", str(home), "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    tree: list = []
    try:
        api = f"http://127.0.0.1:{port}/api"
        deadline = time.monotonic() + 300
        while not (home / ".dxreport-server.json").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dxreport server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(1)
        yield f"http://127.0.0.1:{port}", api
    finally:
        with contextlib.suppress(psutil.Error):
            tree = [psutil.Process(server.pid), *psutil.Process(server.pid).children(True)]
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        left = [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        for p in left:
            with contextlib.suppress(psutil.Error):
                p.kill()
        say(f"server stopped ({len(left)} process(es) had to be killed)")


# --- the pictures --------------------------------------------------------------------------------


def take_pictures(chromium: str, home: Path, work: Path, out_dir: Path) -> list[Path]:
    shots: list[Path] = []
    with dxreport_server(home, work / "server.log") as (ui, api_url):
        api = Api(api_url)
        say(f"server at {ui}; waiting for the deployments and the worker")
        deployments = api.wait_ready()
        say("intake (the inbox is empty) and a backfill dry run")
        intake = api.run(deployments["intake"], {})
        backfill = api.run(deployments["backfill"], {"from_period": "2024Q3", "to_period": PERIOD})
        api.wait_state(intake, {"COMPLETED"})
        api.wait_state(backfill, {"COMPLETED"})
        say("reopening 2025Q3 (reopen-period)")
        reopen = api.run(
            deployments["reopen-period"],
            {
                "period": PERIOD,
                "reason": "Phường Hải Châu gửi bổ sung số liệu hoạt động tháng 9",
                "by": "Trần Văn Bình",
            },
        )
        api.wait_state(reopen, {"COMPLETED"})
        say("quarterly-report, final: true (waits for the sign-off)")
        report = api.run(deployments["quarterly-report"], {"period": PERIOD, "final": True})
        api.wait_state(report, {"PAUSED"}, timeout=900)
        browser = Browser(chromium, work / "chromium-profile")
        try:
            browser.open(f"{ui}/deployments", "quarterly-report", "remind-missing")
            shots.append(browser.shoot(out_dir / "ui-deployments.png"))
            report_id = deployments["quarterly-report"]["id"]
            browser.open(
                f"{ui}/deployments/deployment/{report_id}/run",
                "Kỳ báo cáo (vd 2025Q3)",
                "Ban hành chính thức",
            )
            shots.append(browser.shoot(out_dir / "ui-custom-run.png"))
            browser.open(f"{ui}/runs/flow-run/{report}", f"report-{PERIOD}-final", "Resume")
            shots.append(browser.shoot(out_dir / "ui-paused-run.png"))
            browser.click("Resume")
            browser.wait_text("Người duyệt (họ tên)", "Duyệt ban hành")
            shots.append(browser.shoot(out_dir / "ui-sign-off.png"))
            browser.open(f"{ui}/runs/flow-run/{report}", f"report-{PERIOD}-final", "Artifacts")
            browser.click("Artifacts")
            browser.wait_text(f"report-{PERIOD.lower()}-draft")
            shots.append(browser.shoot(out_dir / "ui-artifacts.png"))
            browser.open(
                f"{ui}/runs", f"report-{PERIOD}-final", f"reopen-{PERIOD}", "backfill-2024Q3"
            )
            shots.append(browser.shoot(out_dir / "ui-runs.png"))
        finally:
            browser.close()
        # leave nothing paused: the reviewer rejects, so the run ends and the draft stays
        try:
            api(
                "POST",
                f"/flow_runs/{report}/resume",
                {
                    "run_input": {
                        "approve": False,
                        "reviewer": REVIEWER,
                        "reason": "Ảnh chụp cho tài liệu.",
                    }
                },
            )
            api.wait_state(report, {"COMPLETED"}, timeout=120)
            say("the reviewer rejected the draft through the API: the run completed")
        except (OSError, RuntimeError) as exc:
            say(f"the paused run could not be answered ({exc}); stopping the server ends it")
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-home", type=Path, default=DEFAULT_DEMO_HOME)
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    chromium = ensure_chromium()
    demo_home = demo_workspace(args.demo_home.resolve())
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ui-screenshots-") as tmp:
        work = Path(tmp)
        home = fresh_copy(demo_home, work / "home")
        try:
            shots = take_pictures(chromium, home, work, args.out)
        except Exception:
            log = work / "server.log"
            if log.exists():
                print(log.read_text(encoding="utf-8", errors="replace")[-4000:], file=sys.stderr)
            raise
    for path in shots:
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
