import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Load now what every request needs, so that forked workers share it.

    gunicorn loads this module once in the master (preload_app), forks the
    workers from it and recycles each worker after max_requests. Django
    imports the URLconf (and with it every view module, WeasyPrint included),
    compiles templates and fills the blank-form memo only on first use, so
    without this every new worker spent its first requests doing that:
    measured under load, a quarter of all CPU time (bench/bench_http.py).
    """
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for template in Path(folder).rglob("*.html"):
            get_template(str(template.relative_to(folder)))
    # An app with memos of its own fills them in its AppConfig.warm_up().
    for app_config in apps.get_app_configs():
        getattr(app_config, "warm_up", lambda: None)()


warm_up()
