"""The worked examples in the rule modules' docstrings are run, so they stay true."""

import doctest

import pytest

from screening import charts, exports, instrument, journey, ratelimit, scoring, stats, versions


@pytest.mark.parametrize(
    "module", [instrument, scoring, versions, exports, ratelimit, stats, journey, charts]
)
def test_the_docstring_examples_hold(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0
    assert failures == 0
