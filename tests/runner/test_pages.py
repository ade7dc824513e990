import pytest


@pytest.mark.django_db
def test_home_says_what_it_is_and_links_to_about(client):
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "not a diagnosis" in text
    assert 'href="/about/"' in text


def test_about_cites_the_sources(client):
    text = client.get("/about/").content.decode()
    assert "McClinton" in text and "688-697" in text
    assert "Albanese" in text and "863" in text
    assert "loss of leg coordination while running" in text
    assert "Running with Dystonia" in text  # instrument.md names seeds/003 (self-checks)


RUNNER_PAGES = [
    "/",
    "/about/",
    "/start/",
    "/resume/",
    "/step/safety/",
    "/step/limits/",
    "/get-help-now/",
    "/check-your-answers/",
    "/consent/",
    "/result/",
    "/delete/",
]


def reach(client, state: str) -> None:
    """Bring the client's screening to ``state`` the way a runner would."""
    from tests.journey_helpers import STEP_POSTS, complete_steps

    if state == "urgent":
        client.post("/step/safety/", {**STEP_POSTS["safety"], "sudden_weakness": "yes"})
        return
    complete_steps(client, until="limits" if state == "part" else None)
    if state == "submitted":
        assert client.post("/consent/", {}).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["part", "complete", "urgent", "submitted"])
@pytest.mark.parametrize("url", RUNNER_PAGES)
def test_head_answers_as_get_does_and_changes_nothing(client, url, state):
    """Link checkers and uptime monitors ask with HEAD; it must not save, start or delete.

    (The test client drops a HEAD response's body itself, so the body is not checked.)
    """
    from screening.models import Draft, Submission

    reach(client, state)

    def stored() -> tuple[list, list]:
        drafts = Draft.objects.values_list("pk", "answers", "completed_steps")
        return list(drafts), list(Submission.objects.values_list("pk", "answers"))

    def runner_cookies() -> dict[str, str]:  # the CSRF cookie comes with any form page
        return {name: m.value for name, m in client.cookies.items() if name != "csrftoken"}

    before, cookies = stored(), runner_cookies()
    get = client.get(url)
    head = client.head(url)

    assert (head.status_code, head.get("Location")) == (get.status_code, get.get("Location"))
    assert stored() == before
    assert runner_cookies() == cookies


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/about/", "/get-help-now/", "/check-your-answers/", "/result/"]
)
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_page_that_only_shows_refuses_other_methods(url, method):
    """405, not the CSRF check's "page expired" answer, which is for forms."""
    from django.test import Client

    response = getattr(Client(enforce_csrf_checks=True), method)(url)
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
