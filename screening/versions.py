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
from typing import Any

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


def all_items() -> dict[str, Any]:
    """Every item any version asked, by id: the current version's first, in their
    order, then those only an earlier version asked (``diagnosis_explains``).

    >>> list(all_items())[-1]
    'diagnosis_explains'
    """
    items: dict[str, Any] = {}
    for version in (CURRENT_VERSION, *VERSIONS):
        for item_id, item in instrument_for(version).ITEMS.items():
            items.setdefault(item_id, item)
    return items


# How a draft started under version 1 and not yet sent carries over: the one
# item version 2 replaced, with its answers mapped (instrument.md, "What changed
# from version 1"), and the items a version 1 runner has not been asked yet.
DIAGNOSIS_V1_TO_V2 = {"no": "none", "yes": "other_full", "partly": "other_partial"}
NEW_SINCE_V1 = ("prior_diagnosis", "procedures", "family_history", "gait_video")


def carry_over_v1_answers(answers: dict[str, object]) -> dict[str, object]:
    """Version 1 draft answers as version 2 answers.

    >>> carry_over_v1_answers({"age": 40, "diagnosis_explains": "partly"})
    {'age': 40, 'prior_diagnosis': 'other_partial'}
    >>> carry_over_v1_answers({"age": 40})
    {'age': 40}
    """
    carried = {k: v for k, v in answers.items() if k != "diagnosis_explains"}
    old = answers.get("diagnosis_explains")
    if isinstance(old, str) and old in DIAGNOSIS_V1_TO_V2:
        carried["prior_diagnosis"] = DIAGNOSIS_V1_TO_V2[old]
    return carried
