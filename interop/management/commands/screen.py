"""``manage.py screen FILE|-``, ``screen --jsonl FILE`` and
``screen --followup FOLLOWUP.json --screening FILE``: score answers from files."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening import followup
from screening.instrument import AnswersInvalid, parse_json
from screening.scoring import score


def _dump(obj: Any, *, indent: int | None = None) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=indent)


class Command(BaseCommand):
    help = "Score answers (a JSON object, or one per line with --jsonl) and print the result."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", help="a JSON file of answers, or - for standard input"
        )
        parser.add_argument(
            "--followup",
            metavar="FOLLOWUP.json",
            help="score a follow-up (followup.md) against the screening given with --screening",
        )
        parser.add_argument(
            "--screening", metavar="FILE", help="with --followup: the screening's answers"
        )
        parser.add_argument(
            "--jsonl", action="store_true", help="one answers object per line in, one result out"
        )
        parser.add_argument(
            "--pdf",
            metavar="OUT.pdf",
            help="also write the clinician's PDF summary (single object only)",
        )
        parser.add_argument(
            "--paper", choices=("a4", "letter"), default="a4", help="PDF page size (default a4)"
        )
        parser.add_argument(
            "--date",
            type=_iso_date,
            help="the day printed on the PDF, YYYY-MM-DD (default today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["followup"] or options["screening"]:
            self._score_followup(options)
            return
        path = options["file"]
        if path is None:
            raise CommandError("give a FILE of answers (or - for standard input)", returncode=2)
        if options["pdf"] and options["jsonl"]:
            raise CommandError("--pdf works with one answers object, not --jsonl", returncode=2)
        try:
            stream: TextIO = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}", returncode=2) from None
        with stream:
            if options["jsonl"]:
                self._score_lines(stream)
            else:
                self._score_one(stream.read(), options)

    def _score_followup(self, options: dict[str, Any]) -> None:
        if not (options["followup"] and options["screening"]) or options["file"]:
            raise CommandError(
                "use: screen --followup FOLLOWUP.json --screening FILE", returncode=2
            )
        errors: list[str] = []
        screening: dict[str, Any] = {}
        answers: dict[str, Any] = {}
        try:
            screening = parse_json(_read(options["screening"]))
        except AnswersInvalid as invalid:
            errors.append(f"screening: {_describe(invalid)}")
        try:
            text = _read(options["followup"])
            try:
                raw = json.loads(text)
            except ValueError as error:
                raise CommandError(f"followup: not valid JSON: {error}", returncode=2) from None
            answers = followup.validate(raw)
        except AnswersInvalid as invalid:
            errors.append(f"followup: {_describe(invalid)}")
        if errors:
            raise CommandError("; ".join(errors), returncode=2)
        result = followup.score(answers, screening, score(screening).to_dict())
        self.stdout.write(_dump(result.to_dict(), indent=2))

    def _score_one(self, text: str, options: dict[str, Any]) -> None:
        try:
            answers = parse_json(text)
        except AnswersInvalid as invalid:
            raise CommandError(_describe(invalid), returncode=2) from None
        if options.get("pdf"):
            self._write_pdf(answers, options)
        self.stdout.write(_dump(score(answers).to_dict(), indent=2))

    def _write_pdf(self, answers: dict[str, Any], options: dict[str, Any]) -> None:
        from report import document as report  # WeasyPrint loads only when a PDF is asked for

        pdf = report.render_pdf(answers, on=options.get("date"), paper=options["paper"])
        try:
            with open(options["pdf"], "wb") as out:
                out.write(pdf)
        except OSError as error:
            message = f"cannot write {options['pdf']}: {error.strerror}"
            raise CommandError(message, returncode=2) from None

    def _score_lines(self, stream: TextIO) -> None:
        failed = 0
        # A blank line is reported like any bad line, so that output line N
        # always answers input line N.
        for number, line in enumerate(stream, start=1):
            try:
                self.stdout.write(_dump(score(parse_json(line)).to_dict()))
            except AnswersInvalid as invalid:
                failed += 1
                self.stdout.write(_dump({"errors": invalid.messages()}))
                self.stderr.write(f"line {number}: {_describe(invalid)}")
        if failed:
            raise CommandError(f"{failed} line(s) had invalid answers", returncode=2)


def _read(path: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as stream:
            return stream.read()
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}", returncode=2) from None


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text}") from None


def _describe(invalid: AnswersInvalid) -> str:
    return "; ".join(
        f"{item_id}: {message}"
        for item_id, messages in invalid.messages().items()
        for message in messages
    )
