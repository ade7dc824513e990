"""Production settings: check --deploy, security headers, CSP, hashed static files.

Production is DEBUG=False, which the settings read once at start-up, so these
tests run manage.py or a small script in a subprocess with the production
environment rather than overriding settings in this process.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    for name in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CACHE_URL", "DATABASE_URL"):
        env.pop(name, None)
    env.update(
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="screen.example.org",
        CACHE_URL="redis://127.0.0.1:6379/0",
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# Silenced on purpose, each with the control that replaces it.
ACCEPTED_SILENCES = {
    # django-axes locks admin logins by username only (it stores no IP address);
    # attempts per client are limited by web.ratelimit's "login" limit.
    "axes.W006": "login",
}


def test_it_passes_check_deploy_without_a_single_warning():
    from django.conf import settings

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    silenced = len(settings.SILENCED_SYSTEM_CHECKS)
    assert f"System check identified no issues ({silenced} silenced)." in output
    assert "WARNING" not in output and "?:" not in output
    for check_id in settings.SILENCED_SYSTEM_CHECKS:
        assert check_id in ACCEPTED_SILENCES, f"{check_id} silenced without a reason"
        assert ACCEPTED_SILENCES[check_id] in settings.RATELIMITS


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set"),
        ("CACHE_URL", "CACHE_URL must be set"),
    ],
)
def test_it_refuses_to_start_in_production_without_a_required_variable(missing, message):
    env = production_env()
    del env[missing]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_it_refuses_a_cache_url_it_cannot_use():
    result = manage("check", env=production_env(CACHE_URL="memcached://127.0.0.1:11211"))
    assert result.returncode != 0
    assert "CACHE_URL must be a redis://" in result.stderr


def test_it_refuses_a_malformed_rate_limit():
    result = manage("check", env=production_env(RATELIMIT_RESUME="ten per minute"))
    assert result.returncode != 0
    assert "COUNT/SECONDS" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NUM_PROXIES", "-1", "NUM_PROXIES must be 0 or more"),
        ("SECURE_HSTS_SECONDS", "-5", "SECURE_HSTS_SECONDS must be 0 or more"),
        ("SESSION_COOKIE_AGE", "0", "SESSION_COOKIE_AGE must be 1 or more"),
        ("LOG_LEVEL", "bogus", "LOG_LEVEL must be DEBUG, INFO"),
    ],
)
def test_it_refuses_a_value_out_of_range_with_a_message(name, value, message):
    result = manage("check", env=production_env(**{name: value}))
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOG_LEVEL", "warn"),
        ("LOG_LEVEL", ""),
        ("RETENTION_DAYS", ""),
        ("NUM_PROXIES", "0"),
        ("DB_CONN_MAX_AGE", "0"),
    ],
)
def test_it_takes_the_values_operators_write(name, value):
    """An empty value means the default, as .env.example has it; WARN is a level."""
    result = manage("check", env=production_env(**{name: value}))
    assert result.returncode == 0, result.stderr


def test_gunicorn_takes_zero_where_zero_means_never():
    script = (
        "import runpy; conf = runpy.run_path('gunicorn.conf.py'); "
        "print(conf['max_requests'], conf['timeout'])"
    )
    env = {**production_env(), "GUNICORN_MAX_REQUESTS": "0", "GUNICORN_TIMEOUT": "0"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.split() == ["0", "0"], result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("WEB_CONCURRENCY", "abc"), ("GUNICORN_TIMEOUT", "1m"), ("GUNICORN_LOG_LEVEL", "loud")],
)
def test_gunicorn_refuses_a_bad_value_with_a_message_not_a_traceback(name, value):
    script = "import runpy; runpy.run_path('gunicorn.conf.py')"
    env = {**production_env(), name: value}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert f"{name} must be" in result.stderr and "Traceback" not in result.stderr


def test_gunicorns_log_level_reaches_its_logger():
    script = (
        "import runpy; conf = runpy.run_path('gunicorn.conf.py'); "
        "print(conf['logconfig_dict']['loggers']['gunicorn.error']['level'])"
    )
    for given, level in (("error", "ERROR"), ("warn", "WARNING"), ("", "INFO")):
        env = {**production_env(), "GUNICORN_LOG_LEVEL": given}
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.stdout.strip() == level, result.stderr


PAGE_SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client()
page = client.get("/about/", secure=True, HTTP_HOST="screen.example.org")
plain = client.get("/about/", HTTP_HOST="screen.example.org")
health = client.get("/healthz", HTTP_HOST="screen.example.org")
print(json.dumps({
    "status": page.status_code,
    "headers": dict(page.items()),
    "body": page.content.decode(),
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "health_status": health.status_code,
}))
"""


@pytest.fixture(scope="module")
def production_page(tmp_path_factory):
    """/about/ as served with DEBUG=False after collectstatic, as in the image."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    env = production_env(STATIC_ROOT=str(static_root), DJANGO_SETTINGS_MODULE="config.settings")
    collected = manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr
    result = subprocess.run(
        [sys.executable, "-c", PAGE_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    page = json.loads(result.stdout.strip().splitlines()[-1])
    page["static_root"] = static_root
    return page


def test_it_links_static_files_by_hashed_name(production_page):
    assert production_page["status"] == 200
    links = re.findall(r'href="(/static/[^"]+\.css)"', production_page["body"])
    assert links, "no stylesheet linked"
    for link in links:
        assert re.search(r"\.[0-9a-f]{12}\.css$", link), link
        hashed = production_page["static_root"] / link.removeprefix("/static/")
        assert hashed.is_file()
        # WhiteNoise serves these precompressed copies made at collectstatic.
        assert hashed.with_name(hashed.name + ".gz").is_file()


def test_it_sends_a_strict_content_security_policy(production_page):
    policy = production_page["headers"]["Content-Security-Policy"]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "*" not in policy


def test_it_sends_the_security_headers(production_page):
    headers = production_page["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_it_redirects_plain_http_to_https_but_not_the_health_check(production_page):
    assert production_page["plain_status"] == 301
    assert production_page["plain_location"].startswith("https://screen.example.org/")
    assert production_page["health_status"] == 200


def test_it_marks_cookies_secure_in_production():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_ENGINE)"
    )
    env = production_env(DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "django.contrib.sessions.backends.db",  # rows in the database, no cache to fail
    ]


def test_the_wsgi_module_warms_up_before_gunicorn_forks():
    """What gunicorn's master imports (preload_app) already holds what every worker needs:
    the URLconf with its view modules (WeasyPrint included) and the blank step forms."""
    script = (
        "import sys, config.wsgi; from runner import views; "
        "from runner.forms import FORMS; "
        "print('report.document' in sys.modules, 'weasyprint' in sys.modules, "
        "sorted({key[0] for key in views._blank_forms}) == sorted(FORMS))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=production_env(DJANGO_SETTINGS_MODULE="config.settings"),
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["True", "True", "True"], result.stderr
