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
