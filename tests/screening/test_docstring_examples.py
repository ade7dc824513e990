"""The worked examples in the rule modules' docstrings are run, so they stay true."""

import doctest

import pytest

from reviewer import anonymity, charts, exports, stats
from runner import journey
from screening import followup, instrument, scoring, versions
from web import ratelimit


@pytest.mark.parametrize(
    "module",
    [
        instrument,
        scoring,
        versions,
        followup,
        exports,
        anonymity,
        ratelimit,
        stats,
        journey,
        charts,
    ],
)
def test_the_docstring_examples_hold(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0
    assert failures == 0
