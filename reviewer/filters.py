"""The workspace's closed variables and their list filters, generated from the definitions.

A :class:`Variable` is something every submission has exactly one value of
(the verdict, a component of the working definition, the triage result, an
age band, an enum item of the instrument), or, for a multi item, a set of codes.
The list filters, the statistics of the definition, the cross-tab and the
comparison all read the same registry, :data:`VARIABLES`. The instrument's
enum and multi items are looped over, not written out one by one, so a new
item of a new version gets its filter, its cross-tab row and its comparison
table without anyone writing one.

Answers live in ``Submission.answers`` (JSON), and every enum and multi answer
also in ``Submission.closed_answers`` (:mod:`screening.closed_answers`): a
variable of the answers is read and matched as a ``SUBSTR`` of that narrow
column, which is the same SQL on PostgreSQL and SQLite and lies in the
statistics covering index, so no filter, count or cross-tab takes the answers
JSON apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.http import HttpRequest

from screening import closed_answers, instrument, questions, scoring, versions
from screening.models import DEFINITION_FIELDS

# A submission without an answer to an optional item (or a column left blank).
NOT_ANSWERED = "not_answered"
NOT_ANSWERED_LABEL = "Not answered"

# Age now, in bands (exact ages are never a filter or a cross-tab value).
AGE_BANDS: tuple[tuple[int, int], ...] = (
    (12, 17),
    (18, 29),
    (30, 39),
    (40, 49),
    (50, 59),
    (60, 100),
)

# Items whose answer is also a column of its own (indexed): filtered there.
COLUMN_ITEMS = frozenset({"sex", "side"})

VERDICT_LABELS = {
    scoring.Verdict.MET.value: "Met",
    scoring.Verdict.PARTLY_MET.value: "Partly met",
    scoring.Verdict.NOT_MET.value: "Not met",
}
STATUS_LABELS = {
    status.value: status.value.replace("_", " ").capitalize() for status in scoring.Status
}
TRIAGE_LABELS = {
    "urgent_care": "Urgent care",
    "see_neurologist": "See a neurologist",
    "known_dystonia": "Known dystonia: follow-up",
    "not_consistent": "Not consistent",
    "other_causes_first": "Other causes first",
    "llc_consistent": "Consistent with the definition",
    "partly_consistent": "Partly consistent",
}
ONSET_BANDS = (
    "infancy",
    "childhood",
    "adolescence",
    "early_adulthood",
    "late_adulthood",
    "unknown",
)


def _humanise(code: str) -> str:
    return code.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Variable:
    """A closed variable: its query parameter, its title and its codes in order.

    ``column`` is a model field or, for an answer, ``answers__<item>``; ``multi``
    variables hold several codes per submission (filters and comparisons only:
    their counts do not add up to n, so they are no cross-tab axis).
    """

    key: str
    title: str
    choices: tuple[tuple[str, str], ...]
    column: str
    group: str
    multi: bool = False
    bands: tuple[tuple[int, int], ...] = ()
    # A blank or missing value is a category of its own ("Not answered").
    optional: bool = False

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.choices)

    def label(self, code: str) -> str:
        return dict(self.all_choices).get(code, code)

    @property
    def all_choices(self) -> tuple[tuple[str, str], ...]:
        """The choices, and "Not answered" for an optional variable (every row in one cell)."""
        if self.optional and not self.multi:
            return (*self.choices, (NOT_ANSWERED, NOT_ANSWERED_LABEL))
        return self.choices

    @property
    def is_answer(self) -> bool:
        return self.column.startswith("answers__")

    def expression(self) -> Combinable:
        """The value as a database expression, for GROUP BY (single-valued variables)."""
        if self.bands:
            return Case(
                *(
                    When(
                        **{f"{self.column}__gte": low, f"{self.column}__lte": high},
                        then=Value(code),
                    )
                    for (low, high), code in zip(self.bands, self.codes, strict=True)
                ),
                default=Value(NOT_ANSWERED),
                output_field=CharField(),
            )
        if self.is_answer:
            return self._closed(0, self.slot.width)
        return F(self.column)

    @property
    def slot(self) -> closed_answers.Slot:
        return closed_answers.SLOTS[self.column.removeprefix("answers__")]

    def _closed(self, offset: int, width: int) -> Substr:
        return Substr("closed_answers", self.slot.start + offset, width)

    def char_expression(self) -> Case:
        """A column variable as one character: its code's place in :attr:`codes`, ``-`` else.

        Read by :func:`reviewer.stats.profile` on PostgreSQL beside the closed
        answers, so that a comparison reads each row once.
        """
        return Case(
            *(
                When(self.matches(code), then=Value(closed_answers.ALPHABET[i]))
                for i, code in enumerate(self.codes)
            ),
            default=Value(closed_answers.MISSING),
            output_field=CharField(),
        )

    def matches(self, code: str) -> Q:
        """Submissions whose value is ``code`` (a multi variable: whose list holds it)."""
        if code not in self.codes and not (self.optional and code == NOT_ANSWERED):
            raise IncorrectLookupParameters(f"unknown {self.key}")
        if self.bands:
            low, high = self.bands[self.codes.index(code)]
            return Q(**{f"{self.column}__gte": low, f"{self.column}__lte": high})
        if self.is_answer:
            slot = self.slot
            if code == NOT_ANSWERED:
                return Q(Exact(self._closed(0, 1), closed_answers.MISSING))
            if self.multi:
                return Q(Exact(self._closed(slot.codes.index(code), 1), closed_answers.HELD))
            return Q(Exact(self._closed(0, 1), slot.char(code)))
        if code == NOT_ANSWERED:
            return Q(**{self.column: ""})
        return Q(**{self.column: code})

    def value_of(self, raw: Any) -> list[str]:
        """The code(s) of a value read back from :meth:`expression`.

        An item not answered is ``[NOT_ANSWERED]``, a multi item answered with
        no code held ``[]``.
        """
        if self.is_answer:
            codes = self.slot.decode(raw)
            return [NOT_ANSWERED] if codes is None else codes
        if raw is None or raw == "":
            return [NOT_ANSWERED]
        return [str(raw)]


def _item_variable(item: instrument.Item, section: str) -> Variable:
    multi = item.kind is instrument.Kind.MULTI
    column = item.id if item.id in COLUMN_ITEMS else f"answers__{item.id}"
    return Variable(
        key=item.id,
        title=str(questions.label(item.id)),
        choices=tuple((code, str(questions.code_label(item.id, code))) for code in item.codes),
        column=column,
        group=f"Answers: {section}",
        multi=multi,
        optional=not item.required or multi,
    )


def _answer_variables() -> tuple[Variable, ...]:
    """Every enum and multi item of the current instrument, in its order."""
    return tuple(
        _item_variable(item, section.id)
        for section in instrument.SECTIONS
        for item in section.items
        if item.kind in (instrument.Kind.ENUM, instrument.Kind.MULTI)
    )


DEFINITION = "Working definition"
VERDICT = Variable(
    "verdict", "Working definition: verdict", tuple(VERDICT_LABELS.items()), "verdict", DEFINITION
)
COMPONENTS = tuple(
    Variable(
        field,
        f"{field.split('_')[0]} {scoring.COMPONENT_TITLES[field]}",
        tuple(STATUS_LABELS.items()),
        field,
        DEFINITION,
    )
    for field in DEFINITION_FIELDS[1:]
)
TRIAGE = Variable("category", "Triage result", tuple(TRIAGE_LABELS.items()), "category", "Result")
ONSET_BAND = Variable(
    "onset_band",
    "Age at onset",
    tuple((band, _humanise(band)) for band in ONSET_BANDS),
    "onset_band",
    "About the runner",
)
AGE_BAND = Variable(
    "age_band",
    "Age now",
    tuple(
        (
            f"{low}-{high}" if high < 100 else f"{low}+",
            f"{low}-{high}" if high < 100 else f"{low} or more",
        )
        for low, high in AGE_BANDS
    ),
    "age",
    "About the runner",
    bands=AGE_BANDS,
    optional=True,
)
VERSION = Variable(
    "instrument_version",
    "Instrument version",
    tuple((v, f"Version {v}") for v in versions.VERSIONS),
    "instrument_version",
    "Result",
)
ANSWERS = _answer_variables()

# Every closed variable, in the order the pages list them.
VARIABLES: dict[str, Variable] = {
    v.key: v for v in (VERDICT, *COMPONENTS, TRIAGE, ONSET_BAND, AGE_BAND, VERSION, *ANSWERS)
}
# The variables a cross-tab can put on an axis (one value per submission).
AXES: dict[str, Variable] = {key: v for key, v in VARIABLES.items() if not v.multi}


# --- list filters ---------------------------------------------------------------------


class VariableFilter(admin.SimpleListFilter):
    """Equality on one closed variable (a multi item: the list holds the code)."""

    variable: Variable
    template = "admin/screening/variable_filter.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return self.variable.all_choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(self.variable.matches(value))


def variable_filter(variable: Variable, title: str | None = None) -> type[VariableFilter]:
    return type(
        f"{variable.key.title().replace('_', '')}Filter",
        (VariableFilter,),
        {"title": title or variable.title, "parameter_name": variable.key, "variable": variable},
    )


DEFINITION_FILTERS = tuple(variable_filter(v) for v in (VERDICT, *COMPONENTS))
ANSWER_FILTERS = tuple(
    variable_filter(v)
    for v in ANSWERS
    if v.key not in ("side",)  # side: its own filter above
)
