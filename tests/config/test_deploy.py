"""The container set-up, checked without a Docker engine.

docker-compose.yml is loaded and its `web` environment resolved the way
Compose would (from .env.example plus the secrets an operator fills in); the
settings must then load and pass `check --deploy` with exactly that
environment. The Dockerfile's commands must be the ones CI runs
(bench/prodserver.py, used by `make smoke`).
"""

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from bench import prodserver

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SETTINGS = (ROOT / "config" / "settings.py").read_text()
GUNICORN_CONF = (ROOT / "gunicorn.conf.py").read_text()

# Read by the settings: os.environ.get("X"...), env_bool("X", ...), env_database("X", ...).
ENV_READ = re.compile(r"""(?:environ\.get|env_\w+|whole_number)\(\s*["']([A-Z_]+)["']""")


def dotenv(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        current = variables.get(name, "")
        if op == ":?" and not current:
            raise AssertionError(f"compose requires {name}: {arg}")
        if op == ":-" and not current:
            return arg
        return current

    return re.sub(r"\$\{([A-Z_]+)(?:(:-|:\?)([^}]*))?\}", one, value)


def operator_variables() -> dict[str, str]:
    """.env.example with its blanks filled in, as the operator is told to."""
    variables = dotenv(ROOT / ".env.example")
    variables["SECRET_KEY"] = secrets.token_urlsafe(50)
    variables["POSTGRES_PASSWORD"] = secrets.token_hex(24)
    return variables


def web_environment() -> dict[str, str]:
    variables = operator_variables()
    environment = COMPOSE["services"]["web"]["environment"]
    return {name: interpolate(str(value), variables) for name, value in environment.items()}


def test_it_passes_check_deploy_with_exactly_the_web_services_environment():
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(web_environment())
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_gives_web_every_variable_production_requires():
    env = web_environment()
    assert env["DEBUG"] == "False"
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "CACHE_URL", "DATABASE_URL"):
        assert env[name], name
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["CACHE_URL"].startswith("redis://redis:")


def test_it_documents_every_variable_the_settings_and_gunicorn_read():
    read = set(ENV_READ.findall(SETTINGS)) | set(ENV_READ.findall(GUNICORN_CONF))
    assert {"SECRET_KEY", "DATABASE_URL", "CACHE_URL", "NUM_PROXIES"} <= read
    example = (ROOT / ".env.example").read_text()
    deploy_doc = (ROOT / "docs" / "deploy.md").read_text()
    provided = set(COMPOSE["services"]["web"]["environment"])
    for name in read:
        assert name in provided or name in example or name in deploy_doc, name
        assert f"`{name}`" in deploy_doc, f"{name} is not in docs/deploy.md"


def test_every_variable_of_the_env_file_reaches_the_app():
    """The operator's .env configures everything the settings read, not a fixed list."""
    for service in ("web", "retention"):
        assert COMPOSE["services"][service]["env_file"] == ".env", service


def test_retention_runs_daily_with_the_apps_own_environment_after_the_migrations():
    retention = COMPOSE["services"]["retention"]
    assert retention["environment"] == COMPOSE["services"]["web"]["environment"]
    assert retention["image"] == COMPOSE["services"]["web"]["image"]
    assert retention["depends_on"] == {"web": {"condition": "service_healthy"}}
    command = retention["command"]
    assert command[:2] == ["sh", "-c"]
    assert "python manage.py purge_expired" in command[2] and "sleep 86400" in command[2]
    # As PID 1 the shell must end itself on SIGTERM; Compose turns $$ into $.
    assert command[2].startswith("trap 'exit 0' TERM;") and "wait $$!" in command[2]


def test_it_gives_the_database_a_named_volume_and_a_health_check():
    db = COMPOSE["services"]["db"]
    assert db["image"] == "postgres:16"
    volume, _, mount = db["volumes"][0].partition(":")
    assert volume in COMPOSE["volumes"] and mount == "/var/lib/postgresql/data"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_it_starts_web_only_when_the_database_and_cache_are_healthy():
    depends = COMPOSE["services"]["web"]["depends_on"]
    assert depends["db"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"


def test_it_health_checks_web_on_a_view_that_exists():
    command = " ".join(COMPOSE["services"]["web"]["healthcheck"]["test"])
    assert "/healthz" in command
    # The path is exempt from the HTTPS redirect, or the check would follow it and fail.
    assert "http://127.0.0.1:8000/healthz" in command


def dockerfile_instructions(keyword: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [
        line[len(keyword) :].strip() for line in joined.splitlines() if line.startswith(keyword)
    ]


def test_it_builds_from_python_311_slim_as_a_non_root_user():
    assert dockerfile_instructions("FROM ") == ["python:3.11-slim"]
    users = dockerfile_instructions("USER ")
    assert users and users[-1] not in ("root", "0")


def test_it_installs_the_libraries_weasyprint_needs_and_the_fonts_the_tests_use():
    installs = " ".join(dockerfile_instructions("RUN ")).split()
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"):
        assert package in installs
    # The PDF the image prints must draw what the tested PDF draws.
    fonts = re.search(r"^FONTS := (.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert fonts and set(fonts.group(1).split()) <= set(installs)


def test_the_image_installs_exactly_the_hashed_lock():
    installs = [run for run in dockerfile_instructions("RUN ") if "pip install" in run]
    assert installs == ["pip install --no-deps --require-hashes -r requirements.lock"]


def locked_requirements(text: str) -> dict[str, list[str]]:
    """requirements.lock's entries: 'name==version ; marker' -> their hashes."""
    entries: dict[str, list[str]] = {}
    for entry in re.sub(r"\\\n", " ", text).splitlines():
        entry = entry.split("#", 1)[0].strip()
        if entry:
            requirement, *options = re.split(r"\s+(?=--)", entry)
            entries[requirement] = options
    return entries


def test_every_locked_requirement_is_pinned_with_the_hashes_of_its_files():
    entries = locked_requirements((ROOT / "requirements.lock").read_text())
    assert len(entries) > 20
    names = {re.split(r"[=;\s]", requirement)[0] for requirement in entries}
    assert {"django", "weasyprint", "gunicorn", "psycopg"} <= names
    assert "pytest" not in names, "the dev group is not in the image"
    for requirement, options in entries.items():
        assert re.fullmatch(r"[a-z0-9-]+==\S+( ; .+)?", requirement), requirement
        assert options and all(re.fullmatch(r"--hash=sha256:[0-9a-f]{64}", o) for o in options)


def test_uv_lock_takes_every_file_from_the_default_index_with_its_hash():
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    for package in lock["package"]:
        if package["source"] == {"virtual": "."}:
            assert package["name"] == "stride-screen"
            continue
        assert package["source"] == {"registry": "https://pypi.org/simple"}, package["name"]
        files = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert files, package["name"]
        for file in files:
            assert file["url"].startswith("https://files.pythonhosted.org/"), file["url"]
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", file["hash"]), file["url"]


def test_uv_itself_is_installed_from_a_hashed_pin():
    requirements = locked_requirements((ROOT / "requirements-uv.txt").read_text())
    [(requirement, hashes)] = requirements.items()
    assert re.fullmatch(r"uv==[0-9.]+", requirement)
    assert len(hashes) >= 2, "at least Linux x86_64 and aarch64"
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-uv.txt" in makefile
    assert "$(UV) sync --frozen" in makefile


def uv(*args: str) -> subprocess.CompletedProcess[str]:
    executable = ROOT / ".venv-tools" / "bin" / "uv"
    assert executable.exists(), "no .venv-tools/bin/uv: run `make setup`"
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_PYTHON": sys.executable}
    return subprocess.run(
        [str(executable), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_uv_lock_is_up_to_date_with_pyproject():
    result = uv("lock", "--check", "--offline")
    assert result.returncode == 0, f"run `make lock`:\n{result.stderr}"


def test_requirements_lock_is_the_runtime_export_of_uv_lock():
    """The command is the Makefile's, so `make lock` and this test cannot drift apart."""
    export = re.search(r"^EXPORT := \$\(UV\) (.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert export and "--no-dev" in export.group(1)
    result = uv(*shlex.split(export.group(1)))
    assert result.returncode == 0, result.stderr
    assert (ROOT / "requirements.lock").read_text() == result.stdout, "run `make lock`"


def test_the_images_commands_are_the_ones_ci_runs():
    runs = dockerfile_instructions("RUN ")
    collect = shlex.join(prodserver.COLLECTSTATIC)
    assert any(run.endswith(collect) for run in runs), "collectstatic at build"
    command = json.loads(dockerfile_instructions("CMD ")[0])
    assert command[:2] == ["sh", "-c"]
    steps = [shlex.split(step) for step in command[2].split("&&")]
    assert steps[0] == prodserver.MIGRATE
    assert steps[1] == ["exec", *prodserver.GUNICORN]
    # gunicorn reads gunicorn.conf.py from the working directory: it must be in the image.
    assert any("gunicorn.conf.py" in copy for copy in dockerfile_instructions("COPY "))
    makefile = (ROOT / "Makefile").read_text()
    assert "bench/smoke.py" in makefile
    assert "make smoke" in (ROOT / ".ci" / "run").read_text()


# Every top-level package (the one list is import-linter's root_packages), and the rest.
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]


@pytest.mark.parametrize("path", ["templates", "static", "manage.py", *PACKAGES])
def test_the_image_copies_what_the_app_needs(path):
    copies = " ".join(dockerfile_instructions("COPY "))
    assert re.search(rf"(^|\s){re.escape(path)}(\s|$)", copies), path
