"""No outbound connection: the guard blocks them in every test, and no page or static file names another site."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from django.urls import reverse

from intramuros.testing import netguard

ROOT = Path(__file__).resolve().parent.parent / "intramuros"
ALLOWED_HOSTS = {"localhost", "127.0.0.1", "[::1]", "www.w3.org"}
TEXT_SUFFIXES = {".html", ".htm", ".txt", ".xml", ".svg", ".css", ".js", ".json", ".webmanifest"}

_URL = r"((?:(?:https?|wss?|ftp):)?//[^\s\"'<>)]+)"
PATTERNS = {
    "markup": [re.compile(r"\b(?:src|href|action|formaction|srcset|poster|data|background|manifest|ping)"
                          r"\s*=\s*[\"']?\s*" + _URL, re.I),
               re.compile(r"url\(\s*[\"']?\s*" + _URL, re.I)],
    "css": [re.compile(r"url\(\s*[\"']?\s*" + _URL, re.I),
            re.compile(r"@import\s+(?:url\()?\s*[\"']?\s*" + _URL, re.I)],
    "js": [re.compile(r"[\"'`]((?:https?|wss?|ftp)://[^\s\"'`]+)", re.I)],
}


def _kind(path: Path) -> str:
    return {".css": "css", ".js": "js"}.get(path.suffix, "markup")


def _host(url: str) -> str:
    rest = url.split("//", 1)[1]
    return re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1].split(":")[0].lower() or rest


def outside_urls(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in TEXT_SUFFIXES or not path.is_file():
            continue
        parts = set(path.relative_to(root).parts)
        if not ({"templates", "static"} & parts) or "tests" in parts:
            continue
        text = path.read_text(errors="replace")
        for pattern in PATTERNS[_kind(path)]:
            for match in pattern.finditer(text):
                url = match.group(1)
                host = _host(url)
                if host not in ALLOWED_HOSTS and not host.startswith("{"):
                    line = text.count("\n", 0, match.start()) + 1
                    item = f"{path.relative_to(root.parent)}:{line}: {url}"
                    if item not in found:
                        found.append(item)
    return found


def test_no_template_nor_static_file_points_to_another_site():
    found = outside_urls()
    assert not found, ("Pages and static files must not load anything from another site (no CDN, no font "
                       "service, no analytics): serve the file from the app's own static folder instead.\n  "
                       + "\n  ".join(found))


def test_the_scan_does_find_outside_urls(tmp_path):
    """The scanner itself: it catches what it must, and lets the allowed strings through."""
    page = tmp_path / "app" / "templates" / "x.html"
    page.parent.mkdir(parents=True)
    page.write_text('<script src="https://cdn.example.com/x.js"></script>\n<img src="//evil.example/p.gif">\n'
                    '<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="http://localhost:8443/">x</a>')
    css = tmp_path / "app" / "static" / "a.css"
    css.parent.mkdir(parents=True)
    css.write_text("@import url('https://fonts.example.net/css');\nbody { background: url(/static/ok.png); }")
    js = tmp_path / "app" / "static" / "a.js"
    js.write_text("fetch('https://telemetry.example.org/ping'); var ns = 'http://www.w3.org/2000/svg';")
    found = outside_urls(tmp_path)
    assert len(found) == 4, found
    assert any("cdn.example.com" in f for f in found) and any("evil.example" in f for f in found)
    assert any("fonts.example.net" in f for f in found) and any("telemetry.example.org" in f for f in found)


def test_guard_is_installed_and_blocks_a_connection_beyond_this_machine():
    # Checked first: without the guard, the next lines would really try to connect.
    assert socket.socket.connect is netguard._guarded_connect
    assert socket.socket.connect_ex is netguard._guarded_connect_ex
    with pytest.raises(netguard.OutboundConnectionBlocked):
        socket.create_connection(("192.0.2.10", 443), timeout=0.5)  # TEST-NET-1: never routed anyway
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        with pytest.raises(netguard.OutboundConnectionBlocked):
            sock.connect_ex(("2001:db8::1", 443, 0, 0))
    finally:
        sock.close()


def test_guard_lets_loopback_through():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        client = socket.create_connection(server.getsockname(), timeout=2)
        client.close()
    finally:
        server.close()


@pytest.mark.django_db
def test_a_working_session_opens_no_outside_connection(client, dr_alice, jeanne_martin, monkeypatch):
    """Log in, open pages, print a PDF: any socket to another machine would raise inside the views."""
    attempts = []
    real = netguard._check

    def spy(address):
        attempts.append(address)
        real(address)

    monkeypatch.setattr(netguard, "_check", spy)
    from intramuros.testing.personas import PASSWORD

    assert client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD}).status_code == 302
    for name in ("core:home", "accounts:password_change", "audit:index"):
        assert client.get(reverse(name)).status_code == 200
    pdf = client.get(reverse("audit:patient_report_pdf", kwargs={"patient_id": jeanne_martin.pk}))
    assert pdf.status_code == 200
    outside = [a for a in attempts if isinstance(a, tuple) and not netguard._is_loopback(a[0])]
    assert not outside
