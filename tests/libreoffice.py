"""The real LibreOffice Calc for the tests that open, save and print workbooks as units do.

`ensure_soffice()` returns the `soffice` program, installing Debian's `libreoffice-calc-nogui` when it
is missing (as root or with password-less sudo); the test is skipped only where nothing can install
it. `convert(src, fmt, out_dir)` runs `soffice --headless --convert-to` with a private profile per
call, so conversions never share (or lock) a user profile.
`install_debian_package(name)` is the apt-get step, shared with scripts/ui_screenshots.py (chromium).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

PACKAGE = "libreoffice-calc-nogui"


def install_debian_package(package: str) -> bool:
    """`apt-get install` Debian's `package` (as root, or with password-less sudo), as
    scripts/setup.sh does for the PDF's packages. False when nothing here can install it."""
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"]).returncode == 0:
        prefix = ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"]
    else:
        return False
    subprocess.run([*prefix, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*prefix, *install], check=True, env=env, stdout=subprocess.DEVNULL)
    return True


def ensure_soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if not install_debian_package(PACKAGE):
        pytest.skip(
            f"LibreOffice is missing and cannot be installed here: apt-get install {PACKAGE}"
        )
    found = shutil.which("soffice") or shutil.which("libreoffice")
    assert found, f"{PACKAGE} installed but no soffice on PATH"
    return found


def convert(src: Path, fmt: str, out_dir: Path, *, timeout: float = 180) -> Path:
    """Open `src` in LibreOffice and save it as `fmt` (e.g. "xlsx", "ods", "pdf") in `out_dir`.

    `fmt` may carry a filter ("xlsx:Calc MS Excel 2007 XML"). Returns the written file.
    """
    soffice = ensure_soffice()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        result = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                fmt,
                "--outdir",
                str(out_dir),
                str(src),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    extension = fmt.split(":", 1)[0]
    target = out_dir / f"{src.stem}.{extension}"
    assert result.returncode == 0 and target.exists(), (
        f"LibreOffice could not convert {src.name} to {fmt}:\n{result.stdout}\n{result.stderr}"
    )
    return target
