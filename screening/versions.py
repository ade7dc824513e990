"""Which modules define each instrument version.

Every stored submission names the instrument version it was taken under; a
page, the PDF or an export that shows it asks this module for that version's
definition (``instrument``) and wording (``questions``), never imports a
version's package directly. Version 1 is frozen in :mod:`screening.v1`; the
current version lives in ``screening/instrument.py``, ``scoring.py`` and
``questions.py``.

>>> instrument_for("1").INSTRUMENT_VERSION, instrument_for(CURRENT_VERSION).INSTRUMENT_VERSION
('1', '2')
>>> instrument_for("3")
Traceback (most recent call last):
...
screening.versions.UnknownVersion: no instrument version '3' (known: 1, 2)
"""

from __future__ import annotations

import importlib
from types import ModuleType

CURRENT_VERSION = "2"
VERSIONS = ("1", "2")

_PACKAGE_OF = {"1": "screening.v1", "2": "screening"}


class UnknownVersion(ValueError):
    """An instrument version this code base does not define."""


def _module(version: object, name: str) -> ModuleType:
    if not isinstance(version, str) or version not in _PACKAGE_OF:
        raise UnknownVersion(f"no instrument version {version!r} (known: {', '.join(VERSIONS)})")
    return importlib.import_module(f"{_PACKAGE_OF[version]}.{name}")


def instrument_for(version: str) -> ModuleType:
    """The item definitions (ids, codes, ``validate``) of an instrument version."""
    return _module(version, "instrument")


def scoring_for(version: str) -> ModuleType:
    """The scoring rules and texts (``score``, ``FLAG_RULE_BY_CODE``, ...) of a version."""
    return _module(version, "scoring")


def questions_for(version: str) -> ModuleType:
    """The wording (labels, code labels, help texts) of an instrument version."""
    return _module(version, "questions")
