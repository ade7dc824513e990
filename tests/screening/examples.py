"""How many examples a property test of the scoring core draws.

The full count normally; under ``make mutants`` (HYPOTHESIS_PROFILE=mutants, a
derandomized profile in tests/conftest.py) at most ``MUTANT_EXAMPLES``, so that
a run over every mutant stays bounded and gives the same answer each time.
"""

import os

from hypothesis import settings

MUTATION_RUN = os.environ.get("HYPOTHESIS_PROFILE") == "mutants"
MUTANT_EXAMPLES = int(os.environ.get("MUTANT_EXAMPLES", "40"))


def examples(n: int) -> settings:
    """``settings(max_examples=n)``, capped during a mutation run."""
    return settings(max_examples=min(n, MUTANT_EXAMPLES) if MUTATION_RUN else n)
