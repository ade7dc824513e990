"""Every closed answer of a submission in one short string, for the reviewer's counts.

The answers object is JSON of more than a kilobyte; counting one item over a
million rows meant taking every object apart. ``Submission.fields_from`` also
writes ``closed_answers``: one character per enum item (the code's place in the
item's list, ``-`` when the item was not answered) and, per multi item, one
character per code (``1`` held, ``0`` not; all ``-`` when the item was not
answered). ``SUBSTR`` of it reads the same on PostgreSQL and SQLite, and the
string fits in the statistics covering index (migration 0011), so the
reviewer's filters, cross-tabs and comparisons are index-only scans of narrow
rows instead of passes over the answers.

The layout follows the current instrument's enum and multi items in order,
then those only an earlier version asked (version 1's diagnosis_explains);
each item's codes are the current version's, then any code an earlier version
had and the current one dropped, so every stored answer has a place. The
string is derived from the answers and never read back into them: a change of
layout needs a migration that rewrites the column from the answers, and
``tests/screening/test_closed_answers.py`` pins the layout's signature so
that such a change cannot slip through unnoticed.

>>> SLOTS["side"].encode("left"), SLOTS["side"].decode("a")
('a', ['left'])
>>> SLOTS["sensations"].decode("-----") is None
True
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from screening import instrument, versions

# The characters an enum code is written as, by its place in the item's list.
ALPHABET = string.ascii_lowercase + string.ascii_uppercase + string.digits
MISSING = "-"
HELD, NOT_HELD = "1", "0"


@dataclass(frozen=True)
class Slot:
    """Where one item sits in the string: ``start`` is 1-based, as SQL's SUBSTR counts."""

    item_id: str
    start: int
    codes: tuple[str, ...]
    multi: bool

    @property
    def width(self) -> int:
        return len(self.codes) if self.multi else 1

    @property
    def missing(self) -> str:
        return MISSING * self.width

    def char(self, code: str) -> str:
        """The character of an enum code."""
        return ALPHABET[self.codes.index(code)]

    def encode(self, value: Any) -> str:
        if value is None:
            return self.missing
        if self.multi:
            held = set(value)
            return "".join(HELD if code in held else NOT_HELD for code in self.codes)
        return self.char(value)

    def decode(self, text: str | None) -> list[str] | None:
        """The code(s) written in ``text``; None when the item was not answered."""
        if not text or text.startswith(MISSING):
            return None
        if self.multi:
            return [code for code, mark in zip(self.codes, text, strict=False) if mark == HELD]
        return [self.codes[ALPHABET.index(text)]]


def _codes(item_id: str, current: tuple[str, ...]) -> tuple[str, ...]:
    earlier = [
        code
        for version in versions.VERSIONS
        for section in versions.instrument_for(version).SECTIONS
        for item in section.items
        if item.id == item_id
        for code in item.codes
    ]
    return (*current, *dict.fromkeys(c for c in earlier if c not in current))


def _layout() -> dict[str, Slot]:
    slots: dict[str, Slot] = {}
    start = 1
    for item in versions.all_items().values():
        if item.kind not in (instrument.Kind.ENUM, instrument.Kind.MULTI):
            continue
        multi = item.kind is instrument.Kind.MULTI
        slot = Slot(item.id, start, _codes(item.id, tuple(item.codes)), multi)
        if not multi and len(slot.codes) > len(ALPHABET):
            raise ValueError(f"{item.id}: more codes than characters")
        slots[item.id] = slot
        start += slot.width
    return slots


SLOTS: dict[str, Slot] = _layout()
WIDTH = sum(slot.width for slot in SLOTS.values())


def encode(answers: Mapping[str, Any]) -> str:
    """The closed answers of ``answers`` (clean answers of any known version)."""
    return "".join(slot.encode(answers.get(item_id)) for item_id, slot in SLOTS.items())


def signature() -> str:
    """A short digest of the layout: it changes whenever a stored string would read differently."""
    text = ";".join(f"{s.item_id}:{s.start}:{','.join(s.codes)}" for s in SLOTS.values())
    return hashlib.sha256(text.encode()).hexdigest()[:12]
