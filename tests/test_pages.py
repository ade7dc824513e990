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


@pytest.mark.django_db
@pytest.mark.parametrize("url", RUNNER_PAGES)
def test_head_answers_as_get_does_without_a_body_or_a_change(client, url):
    """Link checkers and uptime monitors ask with HEAD; it must not save, start or delete."""
    from screening.models import Draft
    from tests.journey_helpers import complete_steps

    complete_steps(client, until="limits")
    drafts = list(Draft.objects.values_list("pk", "answers", "completed_steps"))

    def runner_cookies() -> dict[str, str]:  # the CSRF cookie comes with any form page
        return {name: m.value for name, m in client.cookies.items() if name != "csrftoken"}

    cookies = runner_cookies()

    get = client.get(url)
    head = client.head(url)

    assert (head.status_code, head.get("Location")) == (get.status_code, get.get("Location"))
    assert head.content == b""
    assert list(Draft.objects.values_list("pk", "answers", "completed_steps")) == drafts
    assert runner_cookies() == cookies


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/about/", "/get-help-now/", "/check-your-answers/", "/result/"]
)
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_page_that_only_shows_refuses_other_methods(client, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
