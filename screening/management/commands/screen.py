"""``manage.py screen FILE|-`` and ``screen --jsonl FILE``: score answers from a file."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening.instrument import AnswersInvalid, parse_json
from screening.scoring import score


def _dump(obj: Any, *, indent: int | None = None) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=indent)


class Command(BaseCommand):
    help = "Score answers (a JSON object, or one per line with --jsonl) and print the result."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a JSON file of answers, or - for standard input")
        parser.add_argument(
            "--jsonl", action="store_true", help="one answers object per line in, one result out"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            stream: TextIO = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}", returncode=2) from None
        with stream:
            if options["jsonl"]:
                self._score_lines(stream)
            else:
                self._score_one(stream.read())

    def _score_one(self, text: str) -> None:
        try:
            answers = parse_json(text)
        except AnswersInvalid as invalid:
            raise CommandError(_describe(invalid), returncode=2) from None
        self.stdout.write(_dump(score(answers).to_dict(), indent=2))

    def _score_lines(self, stream: TextIO) -> None:
        failed = 0
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                self.stdout.write(_dump(score(parse_json(line)).to_dict()))
            except AnswersInvalid as invalid:
                failed += 1
                self.stdout.write(_dump({"errors": invalid.messages()}))
                self.stderr.write(f"line {number}: {_describe(invalid)}")
        if failed:
            raise CommandError(f"{failed} line(s) had invalid answers", returncode=2)


def _describe(invalid: AnswersInvalid) -> str:
    return "; ".join(
        f"{item_id}: {message}"
        for item_id, messages in invalid.messages().items()
        for message in messages
    )
