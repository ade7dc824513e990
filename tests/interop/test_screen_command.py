"""`manage.py screen` through its real entry point (a subprocess), as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from screening.instrument import validate
from screening.scoring import score

ROOT = Path(__file__).resolve().parents[2]
VIGNETTES = json.loads((Path(__file__).parents[1] / "vignettes.json").read_text())


def screen(*args, stdin: str = ""):
    return subprocess.run(
        [sys.executable, "manage.py", "screen", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_scores_a_file(tmp_path, minimal_answers):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(minimal_answers))
    done = screen(str(path))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == score(minimal_answers).to_dict()


def test_it_reads_standard_input(minimal_answers):
    done = screen("-", stdin=json.dumps(minimal_answers))
    assert done.returncode == 0
    assert json.loads(done.stdout)["category"] == score(minimal_answers).category


def test_invalid_answers_exit_2_with_nothing_on_stdout(minimal_answers):
    minimal_answers["age"] = "old"
    del minimal_answers["side"]
    done = screen("-", stdin=json.dumps(minimal_answers))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "age" in done.stderr and "side" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("text", ["{", "", "not json", "[" * 100000])
def test_malformed_json_exits_2_without_a_traceback(text):
    done = screen("-", stdin=text)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr


def test_a_missing_file_exits_2():
    done = screen("/nonexistent/answers.json")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_jsonl_gives_one_line_per_input_line_in_order(tmp_path):
    # The vignettes of the current version (version 1's are refused, as tested below).
    answers = [v["answers"] for v in VIGNETTES.values() if v.get("instrument_version") != "1"]
    assert len(answers) >= 3
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in answers) + "\n")
    done = screen("--jsonl", str(path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [json.loads(line) for line in lines] == [score(validate(a)).to_dict() for a in answers]


def test_jsonl_reports_bad_lines_in_place_and_exits_2(tmp_path, minimal_answers):
    bad = {**minimal_answers, "onset_age": 99}
    path = tmp_path / "many.jsonl"
    path.write_text(f"{json.dumps(minimal_answers)}\n{json.dumps(bad)}\n{{oops\n")
    done = screen("--jsonl", str(path))
    assert done.returncode == 2
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert out[0]["category"] == score(minimal_answers).category
    assert out[1] == {"errors": {"onset_age": ["cannot be later than your age now"]}}
    assert list(out[2]["errors"]) == ["answers"]


def test_jsonl_answers_a_blank_line_in_its_place(tmp_path, minimal_answers):
    path = tmp_path / "gap.jsonl"
    path.write_text(f"{json.dumps(minimal_answers)}\n\n{json.dumps(minimal_answers)}\n")
    done = screen("--jsonl", str(path))
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [list(line) for line in out] == [list(score(minimal_answers).to_dict()), ["errors"]] + [
        list(score(minimal_answers).to_dict())
    ]
    assert done.returncode == 2 and "line 2: answers: is not valid JSON" in done.stderr


def test_a_version_1_item_exits_2_naming_the_item_that_replaced_it(tmp_path, minimal_answers):
    answers = {k: v for k, v in minimal_answers.items() if k != "prior_diagnosis"}
    answers["diagnosis_explains"] = "no"
    done = screen("-", stdin=json.dumps(answers))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "diagnosis_explains" in done.stderr and "prior_diagnosis" in done.stderr
    path = tmp_path / "answers.jsonl"
    path.write_text(json.dumps(minimal_answers) + "\n" + json.dumps(answers) + "\n")
    lines = screen("--jsonl", str(path))
    assert lines.returncode == 2
    first, second = (json.loads(line) for line in lines.stdout.splitlines())
    assert first["instrument_version"] == "2"
    assert "prior_diagnosis" in second["errors"]["diagnosis_explains"][0]
