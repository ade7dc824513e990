"""The runner's PDF is rendered when the result is first shown, through the Tasks API.

Both real backends are used: django-tasks-db's database backend, whose worker
(the loop of ``manage.py db_worker``) is run here in this process once the result
page has been shown, and the immediate backend, which runs the render in the
request that shows the result. "Rendered" is seen from WeasyPrint itself: every
report is written by ``weasyprint.HTML.write_pdf``, counted here without
changing what it does.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import weasyprint
import yaml
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from report.tasks import render_stored_pdf
from screening.models import RenderedPdf, Submission
from tests.journey_helpers import complete_steps

ROOT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# A backend that refuses every task of ours: they go to the "default" queue.
REFUSING_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["elsewhere"]}
}

# The worker commits as it claims and finishes a task, like the real process.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """One entry per PDF WeasyPrint writes (the real method is still called)."""
    written: list[int] = []
    write_pdf = weasyprint.HTML.write_pdf

    def counted(self, *args, **kwargs):
        pdf = write_pdf(self, *args, **kwargs)
        written.append(len(pdf))
        return pdf

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counted)
    return written


def run_worker() -> None:
    """What `manage.py db_worker --batch` does, in this process: every queued task, then stop."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def finished_journey(client) -> Submission:
    """A runner who answered every step and sent: the next page is their result."""
    complete_steps(client)
    assert client.post("/consent/", {}).status_code == 302
    return Submission.objects.get()


def download(client, submission: Submission):
    response = client.get(reverse("submission-pdf", args=[submission.public_id]))
    assert response.status_code == 200
    return response


@override_settings(TASKS=DATABASE_TASKS)
def test_showing_the_result_queues_one_render_and_the_download_is_served_from_it(client, renders):
    submission = finished_journey(client)

    assert client.get("/result/").status_code == 200
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "report.tasks.render_stored_pdf"
    # The queue holds no answer, reference or code: the row's key, the paper, the language.
    assert queued.args_kwargs == {"args": [submission.pk, "a4", "en"], "kwargs": {}}
    assert renders == []  # the result page itself rendered nothing
    assert not RenderedPdf.objects.exists()

    run_worker()
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert queued.return_value is True
    assert len(renders) == 1
    stored = RenderedPdf.objects.get(submission=submission)

    response = download(client, submission)
    assert response.getvalue() == bytes(stored.pdf)
    assert len(renders) == 1  # the click rendered nothing
    assert RenderedPdf.objects.get().pk == stored.pk  # nor stored a new copy


@override_settings(TASKS=DATABASE_TASKS)
def test_a_second_showing_of_the_result_queues_nothing_more(client, renders):
    finished_journey(client)
    client.get("/result/")
    client.get("/result/")  # before the worker has run
    assert DBTaskResult.objects.count() == 1

    run_worker()
    cache.clear()  # the cache may lose its mark: the stored PDF still stops a second render
    client.get("/result/")
    assert DBTaskResult.objects.count() == 1
    assert len(renders) == 1


@override_settings(TASKS=DATABASE_TASKS)
def test_two_queued_renders_of_one_pdf_render_it_once(client, renders):
    """Two tabs showing the result as the cache lost its mark: both queue a render."""
    submission = finished_journey(client)
    for _ in range(2):
        render_stored_pdf.enqueue(submission.pk, "a4", "en")
    run_worker()
    returned = DBTaskResult.objects.values_list("return_value", flat=True)
    assert sorted(returned) == [False, True]  # the second found the first's PDF
    assert len(renders) == 1
    assert RenderedPdf.objects.filter(submission=submission).count() == 1


@override_settings(TASKS=DATABASE_TASKS)
def test_a_submission_deleted_before_its_render_runs_leaves_no_pdf(client, renders):
    finished_journey(client)
    client.get("/result/")
    assert client.post("/delete/", {}).status_code == 200
    assert not Submission.objects.exists()

    run_worker()
    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL"
    assert task.return_value is False
    assert renders == []
    assert not RenderedPdf.objects.exists()


@override_settings(TASKS=IMMEDIATE_TASKS)
def test_with_the_immediate_backend_the_pdf_is_stored_when_the_result_is_shown(client, renders):
    submission = finished_journey(client)
    assert client.get("/result/").status_code == 200
    assert len(renders) == 1
    stored = RenderedPdf.objects.get(submission=submission)

    client.get("/result/")
    assert len(renders) == 1  # shown again: nothing rendered again
    assert download(client, submission).getvalue() == bytes(stored.pdf)
    assert len(renders) == 1


@override_settings(TASKS=IMMEDIATE_TASKS)
def test_a_render_that_fails_leaves_the_result_page_and_the_download_working(client, monkeypatch):
    submission = finished_journey(client)
    write_pdf = weasyprint.HTML.write_pdf

    def broken(self, *args, **kwargs):
        raise OSError("no space left on device")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    response = client.get("/result/")
    assert response.status_code == 200
    assert b"Download the PDF" in response.content
    assert not RenderedPdf.objects.exists()

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", write_pdf)
    pdf = download(client, submission).getvalue()  # rendered on the request instead
    assert pdf.startswith(b"%PDF-")
    assert bytes(RenderedPdf.objects.get(submission=submission).pdf) == pdf


@override_settings(TASKS=DATABASE_TASKS)
def test_a_task_that_fails_in_the_worker_leaves_the_download_to_render(
    client, monkeypatch, renders
):
    submission = finished_journey(client)
    client.get("/result/")

    def broken(self, *args, **kwargs):
        raise ValueError("cannot draw 'My right leg flops after 5 km.'")

    with monkeypatch.context() as patch:
        patch.setattr(weasyprint.HTML, "write_pdf", broken)
        run_worker()
    failed = DBTaskResult.objects.get()
    assert failed.status == "FAILED"
    # The row keeps the failure's type, never its message: it may quote the runner.
    assert failed.exception_class_path == "report.tasks.RenderFailed"
    assert "ValueError" in failed.traceback
    assert "flops" not in failed.traceback
    assert not RenderedPdf.objects.exists()

    assert download(client, submission).getvalue().startswith(b"%PDF-")
    assert len(renders) == 1
    assert RenderedPdf.objects.filter(submission=submission).exists()


@override_settings(TASKS=REFUSING_TASKS)
def test_a_queue_that_refuses_the_task_leaves_the_result_page_working(client, caplog, renders):
    submission = finished_journey(client)
    with caplog.at_level(logging.WARNING, logger="screening.report"):
        response = client.get("/result/")
    assert response.status_code == 200
    assert [r.getMessage() for r in caplog.records if r.name == "screening.report"] == [
        "PDF render not queued"
    ]
    assert not DBTaskResult.objects.exists()
    assert download(client, submission).getvalue().startswith(b"%PDF-")
    assert len(renders) == 1


# --- where the tasks run ----------------------------------------------------------


def backend_chosen(tasks_backend: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TASKS_BACKEND"}
    if tasks_backend is not None:
        env["TASKS_BACKEND"] = tasks_backend
    script = "from django.conf import settings; print(settings.TASKS['default']['BACKEND'])"
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_run_renders_in_the_request_and_tasks_backend_database_queues():
    assert backend_chosen(None).stdout.split()[-1] == IMMEDIATE_TASKS["default"]["BACKEND"]
    assert backend_chosen("database").stdout.split()[-1] == DATABASE_TASKS["default"]["BACKEND"]
    refused = backend_chosen("celery")
    assert refused.returncode != 0
    assert "TASKS_BACKEND must be immediate or database, not 'celery'" in refused.stderr


def test_compose_runs_the_queue_in_a_worker_beside_web():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web, worker = compose["services"]["web"], compose["services"]["worker"]
    assert web["environment"]["TASKS_BACKEND"] == "database"
    assert worker["environment"] == web["environment"]
    assert worker["image"] == web["image"] and worker["env_file"] == web["env_file"]
    assert worker["command"][:3] == ["python", "manage.py", "db_worker"]
    assert worker["depends_on"] == {"web": {"condition": "service_healthy"}}  # migrated
    assert worker["restart"] == "unless-stopped"
