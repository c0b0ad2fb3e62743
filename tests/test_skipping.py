"""Grading skips the seminar's demonstration cells that nothing graded depends on, and the
verdicts stay those of a run of every cell."""
import nbformat
import pytest
from corpus import REPO

from autograder.api import grade_submission
from autograder.grading import runner

pytestmark = pytest.mark.slow

SOURCE = REPO / "source/02_pytorch/02_pytorch.ipynb"


@pytest.fixture
def runs(monkeypatch):
    """The skip setting of every notebook run, and a switch to force it off."""
    calls, real = [], runner.run_submission
    state = {"allow_skipping": True}

    def recording(*args, skip_unneeded=False, **kwargs):
        calls.append(skip_unneeded and state["allow_skipping"])
        return real(*args, skip_unneeded=calls[-1], **kwargs)

    monkeypatch.setattr(runner, "run_submission", recording)
    return calls, state


def verdicts(report):
    return {task: [(c.name, c.passed, c.score) for c in result.checks] for task, result in report.tasks.items()}


def submission(tmp_path, cosine_region=None):
    nb = nbformat.read(SOURCE, as_version=4)
    if cosine_region is not None:
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "cosine_matrix")
        cell.source = f"### BEGIN SOLUTION\n{cosine_region}\n### END SOLUTION"
    path = tmp_path / "submitted" / "alice" / "02_pytorch" / "02_pytorch.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


def test_the_reference_gets_the_same_verdicts_with_and_without_skipping(tmp_path, runs):
    calls, state = runs
    path = submission(tmp_path)
    skipping = grade_submission(path, "02_pytorch", REPO)
    state["allow_skipping"] = False
    every_cell = grade_submission(path, "02_pytorch", REPO)
    assert calls == [True, False]
    assert verdicts(skipping) == verdicts(every_cell)
    assert skipping.total == skipping.max_total


# The region reads neither X nor Y, which the cell before it makes; the cosine observer asks for both.
READS_NEITHER_X_NOR_Y = "cos_mat = torch.zeros(11, 17)"


def assert_cosine_judged_on_the_notebooks_x_and_y(report):
    cosine = {check.name: check.passed for check in report.tasks["cosine_matrix"].checks}
    assert cosine["test_shape"] and not cosine["test_values"]
    assert report.tasks["my_sigmoid"].score == report.tasks["my_sigmoid"].max_score


def test_a_cell_that_sets_what_an_observer_asks_for_runs(tmp_path, runs):
    calls, _ = runs
    report = grade_submission(submission(tmp_path, READS_NEITHER_X_NOR_Y), "02_pytorch", REPO)
    assert calls == [True]  # one run: the plan kept the cell that makes X and Y
    assert_cosine_judged_on_the_notebooks_x_and_y(report)


def test_a_check_that_reads_what_a_skipped_cell_sets_makes_every_cell_run(tmp_path, runs, monkeypatch):
    """The safety net, tried with observers whose names the plan is not told."""
    monkeypatch.setattr(runner, "ASKS_FOR_ATTR", "__not_an_attribute__")
    calls, _ = runs
    report = grade_submission(submission(tmp_path, READS_NEITHER_X_NOR_Y), "02_pytorch", REPO)
    assert calls == [True, False]
    assert_cosine_judged_on_the_notebooks_x_and_y(report)


def test_a_student_cell_missing_a_name_a_skipped_cell_sets_makes_every_cell_run(tmp_path, runs, monkeypatch):
    """The second safety net, tried with a plan that wrongly skips every demonstration cell."""
    from tiny_course import grade, scores
    from tiny_course import submission as tiny_submission

    from autograder.analysis.needed_cells import CellPlan, words

    class SkipsEverything(CellPlan):
        def __init__(self, sources, demonstration, read_after=None):
            self.to_run = set(range(len(sources))) - demonstration
            self._changes = {index: words(sources[index]) for index in demonstration}

    monkeypatch.setattr(runner, "CellPlan", SkipsEverything)
    calls, _ = runs
    report = grade(tiny_submission(tmp_path, squares="squares = values ** 2"))
    assert calls == [True, False]
    assert scores(report) == {"squares": (2, "passed"), "scaled": (1, "passed")}
