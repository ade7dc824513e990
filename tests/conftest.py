import json
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def minimal_answers() -> dict:
    """A valid answers object with only the required items."""
    return json.loads((EXAMPLES / "minimal.json").read_text())
