"""The PDF fetches nothing a runner's text or a stray URL points at.

Two layers are tested: the template escapes free text (it appears literally),
and, should markup ever reach WeasyPrint, the URL fetcher refuses every URL
but our own static files and data: URIs. A real HTTP server on 127.0.0.1
records any request, so "nothing fetched" is observed, not assumed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import weasyprint
from pypdf import PdfReader

from report import document as report
from screening.instrument import validate
from tests.report.test_report import BASE, HOSTILE_TEXT, pdf_text


class Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        Recorder.requests.append(self.path)
        self.send_response(302)  # a redirect to a file it must not follow either
        self.send_header("Location", "file:///etc/passwd")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    Recorder.requests = []
    httpd = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], Recorder.requests
    httpd.shutdown()
    httpd.server_close()


def test_the_recorder_does_see_requests(server):
    """The control: a plain fetch reaches the server, so silence below means something."""
    import urllib.request

    port, requests = server
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/probe", timeout=5)  # noqa: S310
    assert requests == ["/probe"]


def test_hostile_free_text_is_printed_literally_and_fetches_nothing(server):
    port, requests = server
    hostile = HOSTILE_TEXT.format(port=port)
    stylesheet = f'<link rel="stylesheet" href="http://127.0.0.1:{port}/s.css">'
    clean = validate({**BASE, "own_words": hostile, "what_helped": stylesheet})
    pdf = report.render_pdf(clean, on=dt.date(2025, 3, 4))
    text = pdf_text(pdf)
    assert '<img src="file:///etc/passwd">' in text
    assert '<link rel="attachment" href="file:///etc/passwd">' in text
    assert re.sub(r"\s", "", stylesheet) in re.sub(r"\s", "", text)
    assert requests == []
    # Only our own two machine-readable twins: no file named by the runner's text.
    assert sorted(PdfReader(io.BytesIO(pdf)).attachments) == [
        "screening.fhir.json",
        "screening.json",
    ]
    assert b"root:x:0:0" not in pdf


def test_markup_that_reached_weasyprint_would_still_fetch_nothing(server):
    """The second layer: raw tags given straight to WeasyPrint with our fetcher."""
    port, requests = server
    html = (
        "<html lang=en><title>t</title>"
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/s.css">'
        '<link rel="attachment" href="file:///etc/passwd">'
        f'<img src="http://127.0.0.1:{port}/i.png"><img src="https://127.0.0.1:{port}/j.png">'
        '<img src="file:///etc/passwd"><img src="../../config/settings.py">'
        f'<p style="background: url(http://127.0.0.1:{port}/bg.png)">text</p>'
    )
    document = weasyprint.HTML(
        string=html,
        base_url=report.STATIC_DIR.as_uri() + "/",
        url_fetcher=report.StaticOnlyFetcher(),
    )
    pdf = document.write_pdf()
    assert requests == []
    assert not PdfReader(io.BytesIO(pdf)).attachments
    assert b"root:x:0:0" not in pdf


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/x",
        "https://127.0.0.1:{port}/x",
        "ftp://127.0.0.1:{port}/x",
        "file:///etc/passwd",
        "file://127.0.0.1/etc/passwd",
        "{static}/../../config/settings.py",
        "{static}/%2e%2e/%2e%2e/config/settings.py",
        "{static}/no-such-file.css",
        "report.css",
    ],
)
def test_the_fetcher_refuses_everything_but_our_static_files(url, server):
    port, requests = server
    url = url.format(port=port, static=report.STATIC_DIR.as_uri())
    with pytest.raises(report.URLRefused):
        report.StaticOnlyFetcher().fetch(url)
    assert requests == []


def test_the_fetcher_refuses_a_symlink_out_of_its_root(tmp_path: Path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "ok.css").write_text("p { color: black }")
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (root / "link.css").symlink_to(secret)
    fetcher = report.StaticOnlyFetcher(root)
    assert fetcher.fetch((root / "ok.css").as_uri()).read() == b"p { color: black }"
    with pytest.raises(report.URLRefused):
        fetcher.fetch((root / "link.css").as_uri())


def test_the_fetcher_serves_our_stylesheet_and_data_uris():
    fetcher = report.StaticOnlyFetcher()
    response = fetcher.fetch(report.STYLESHEET.as_uri())
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
