"""Every submission of the team's corpus gets exactly the verdict its header expects, and the
very report it got when the snapshot was last taken (``python tests/corpus.py`` retakes it)."""
import json

import pytest
from corpus import SNAPSHOT, all_cases, comparable, differences, grade_case

CASES = all_cases()
SNAPSHOT_REPORTS = json.loads(SNAPSHOT.read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("case", [
    pytest.param(case, id=case.name, marks=[pytest.mark.xfail(strict=True, reason=case.known_weakness)]
                 if case.known_weakness else []) for case in CASES])
def test_corpus_verdict(case, tmp_path):
    report = grade_case(case, tmp_path)
    # Expectations are for a grader without a GPU: CUDA checks (run on a GPU machine) are left out.
    checks = {name: [check for check in task.checks if not check.cuda] for name, task in report.tasks.items()}
    scores = {name: sum(check.score for check in task_checks) for name, task_checks in checks.items()}
    expected = {name: case.expect.get(name, sum(check.max_score for check in task_checks))
                for name, task_checks in checks.items()}
    failing = {f"{name}.{check.name}" for name, task_checks in checks.items() for check in task_checks
               if not check.passed}
    assert scores == expected, report.table()
    if case.fails is not None:
        assert failing == case.fails, report.table()
    if report.sandbox["cuda"]["available"]:
        pytest.skip("verdicts hold; the snapshot is of reports where the kernel has no GPU (CUDA checks skipped)")
    changed = differences(comparable(report), SNAPSHOT_REPORTS[case.name])
    assert not changed, "the report changed (python tests/corpus.py retakes the snapshot):\n" + "\n".join(changed)


def test_the_snapshot_covers_the_corpus_exactly():
    assert sorted(SNAPSHOT_REPORTS) == sorted(case.name for case in CASES)
