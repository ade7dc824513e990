"""Staff users and stored submissions for the reviewer's-workspace tests."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group, User

from screening.models import Submission
from tests.examples import minimal as answers

PASSWORD = "a long enough passphrase 42"


def make_submission(shared: bool = True, created_on: datetime.date | None = None, **changes):
    fields = Submission.fields_from(answers(**changes))
    return Submission.objects.create(
        **fields,
        share_for_research=shared,
        consent_version="1" if shared else "",
        consent_on=created_on or datetime.date.today(),
        created_on=created_on or datetime.date.today(),
    )


def staff(username: str, group: str | None) -> User:
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user
