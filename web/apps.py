from django.apps import AppConfig


class WebConfig(AppConfig):
    """HTTP plumbing every app uses: middleware, rate limits, health, error pages."""

    name = "web"
