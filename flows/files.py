"""The workspace's file server: `dxreport server` serves the reports, the feedback workbooks and the
reminders over http, read-only, so the links in the Prefect UI open from another machine too.

Only GET and HEAD, only under `reports/`, `feedback/` and `outbox/` of the workspace (a path that
leaves them, by `..` or a symbolic link, is refused), with the content type of each file. When the
Prefect API asks for basic auth (`PREFECT_SERVER_API_AUTH_STRING`), this server asks for the same
credentials.
"""

from __future__ import annotations

import base64
import hmac
import html
import mimetypes
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socket import AF_INET6

SERVED = ("reports", "feedback", "outbox")
CHUNK = 64 * 1024
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".eml": "message/rfc822",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def content_type(path: Path) -> str:
    known = CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed and guessed.startswith("text/"):
        return f"{guessed}; charset=utf-8"
    return guessed or "application/octet-stream"


def resolve_request(home: Path, raw_path: str) -> Path | None:
    """The file or folder a request path names, or None when it is outside what is served.

    `raw_path` is the path of the URL (percent-encoded, query allowed). Any `..` or `.` segment,
    a backslash or a NUL refuses the request, as does a target that resolves (symbolic links
    followed) outside `reports/`, `feedback/` or `outbox/`."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(raw_path).path)
    if "\\" in path or "\x00" in path:
        return None
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] not in SERVED or any(p in (".", "..") for p in parts):
        return None
    home = home.resolve()
    root = (home / parts[0]).resolve()
    target = home.joinpath(*parts).resolve()
    if not (target == root or target.is_relative_to(root)):
        return None
    return target


class _Handler(BaseHTTPRequestHandler):
    server_version = "dxreport-files"
    sys_version = ""
    home: Path
    auth_token: str | None  # the expected `Basic …` credentials, or None

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass  # quiet: the operator's terminal shows Prefect's own logs

    def _authorized(self) -> bool:
        if self.auth_token is None:
            return True
        given = self.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), self.auth_token.encode()):
            return True
        self.send_response(HTTPStatus.UNAUTHORIZED)
        self.send_header("WWW-Authenticate", 'Basic realm="dxreport", charset="UTF-8"')
        self._plain_body("Cần đăng nhập / authentication required\n")
        return False

    def _plain_body(self, text: str) -> None:
        body = text.encode("utf-8")
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, code: HTTPStatus, vi: str, en: str) -> None:
        self.send_response(code)
        self._plain_body(f"{vi}\n{en}\n")

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        if not self._authorized():
            return
        if urllib.parse.urlsplit(self.path).path in ("", "/"):
            self._listing(None)
            return
        target = resolve_request(self.home, self.path)
        if target is None:
            self._error(HTTPStatus.FORBIDDEN, "Không được phép.", "Forbidden.")
            return
        if target.is_dir():
            self._listing(target)
            return
        if not target.is_file():
            self._error(HTTPStatus.NOT_FOUND, "Không có tệp này.", "No such file.")
            return
        try:
            handle = target.open("rb")
        except OSError:
            self._error(HTTPStatus.NOT_FOUND, "Không đọc được tệp này.", "Cannot read this file.")
            return
        with handle:
            size = target.stat().st_size
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type(target))
            self.send_header("Content-Length", str(size))
            self.send_header("Cache-Control", "no-cache")
            disposition = "inline" if target.suffix.lower() == ".pdf" else "attachment"
            quoted = urllib.parse.quote(target.name)
            self.send_header("Content-Disposition", f"{disposition}; filename*=UTF-8''{quoted}")
            self.end_headers()
            if self.command == "HEAD":
                return
            while chunk := handle.read(CHUNK):
                self.wfile.write(chunk)

    def _listing(self, folder: Path | None) -> None:
        """A plain list of links: the served folders at `/`, else a folder's entries."""
        home = self.home.resolve()
        if folder is None:
            names = [(f"{name}/", f"/{name}/") for name in SERVED if (home / name).is_dir()]
            title = "dxreport"
        else:
            rel = folder.relative_to(home).as_posix()
            names = [
                (
                    entry.name + ("/" if entry.is_dir() else ""),
                    "/"
                    + urllib.parse.quote(f"{rel}/{entry.name}")
                    + ("/" if entry.is_dir() else ""),
                )
                for entry in sorted(folder.iterdir(), key=lambda e: e.name)
                if not entry.name.startswith(".")
            ]
            title = rel
        items = "\n".join(
            f'<li><a href="{html.escape(href)}">{html.escape(name)}</a></li>'
            for name, href in names
        )
        body = (
            f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<h1>{html.escape(title)}</h1><ul>\n{items}\n</ul>\n"
        ).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _Server6(ThreadingHTTPServer):
    address_family = AF_INET6


class FileServer:
    """A read-only http server of the workspace's served folders, in a thread of this process."""

    def __init__(self, home: Path, host: str, port: int, auth_string: str | None = None) -> None:
        token = None
        if auth_string:
            token = "Basic " + base64.b64encode(auth_string.encode("utf-8")).decode("ascii")
        handler = type("Handler", (_Handler,), {"home": Path(home), "auth_token": token})
        server_class = _Server6 if ":" in host else ThreadingHTTPServer  # IPv6, e.g. `::`
        self.httpd = server_class((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, name="dxreport-files", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> FileServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread.is_alive():  # shutdown() waits for serve_forever: only when it runs
            self.httpd.shutdown()
            self.thread.join(timeout=5)
        self.httpd.server_close()

    def __enter__(self) -> FileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
