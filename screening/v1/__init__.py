"""Instrument version 1, frozen: never edit these modules.

The contract is ``instrument-v1.md`` (beside the checkout, in ``shared/``).
This package is a verbatim copy of ``screening/instrument.py``, ``scoring.py``
and ``questions.py`` as they were when version 2 replaced them, with only
their imports pointed at ``screening.v1.*``. It is used for two things:

* scoring stored version 1 submissions (the data migration that re-reads
  them), so that they keep the result they were issued;
* showing version 1 question and answer wording for version 1 submissions.

New code asks :mod:`screening.versions` for the module of a version instead
of importing this package directly. A bug found here is a fact about results
already issued: record it, do not fix it.
"""
