"""The answers the tests start from: ``examples/minimal.json``, every required item."""

import json
from pathlib import Path

from screening.instrument import validate

MINIMAL: dict = json.loads(
    (Path(__file__).resolve().parent.parent / "examples" / "minimal.json").read_text()
)


def minimal(**changes: object) -> dict:
    """Clean answers: the minimal ones with ``changes`` on top."""
    return validate({**MINIMAL, **changes})
