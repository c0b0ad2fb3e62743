"""nbgrader itself, run as staff run it, on a scratch copy of the course."""
import csv

import nbformat
import pytest
from corpus import CORPUS, REPO, build_notebook, load_case
from course_copy import copy_course, nbgrader, submit
from nbgrader.api import Gradebook

from autograder.api import grade_submission

pytestmark = pytest.mark.slow
CONTRACT_TESTS = ["cosine_matrix_test", "imagenet_normalization_test", "regression_data_test",
                  "regression_weights_test", "regression_step_test", "my_sigmoid_test"]


@pytest.fixture(scope="module", params=["nbgrader", "trusted"])
def graded_course(request, tmp_path_factory):
    """The instructor notebook, the blank release and a partly wrong one, autograded as three students."""
    course = copy_course(tmp_path_factory.mktemp(request.param))
    nbgrader(course, "generate_assignment", "02_pytorch", "--force", engine=request.param)
    submit(course, "reference", REPO / "source/02_pytorch/02_pytorch.ipynb")
    submit(course, "blank", REPO / "release/02_pytorch/02_pytorch.ipynb")
    partial = tmp_path_factory.mktemp("partial") / "02_pytorch.ipynb"
    nbformat.write(build_notebook(load_case(CORPUS / "wrong/cosine_with_loop.py")), partial)
    submit(course, "partial", partial)
    nbgrader(course, "autograde", "02_pytorch", engine=request.param)
    return course, request.param


def auto_scores(course, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook("02_pytorch", "02_pytorch", student)
        return {grade.name: (grade.auto_score, grade.max_score) for grade in notebook.grades
                if grade.name in CONTRACT_TESTS}


def test_reference_gets_full_auto_score_and_blank_zero(graded_course):
    course, _ = graded_course
    reference, blank = auto_scores(course, "reference"), auto_scores(course, "blank")
    assert set(reference) == set(CONTRACT_TESTS)
    assert all(score == maximum for score, maximum in reference.values())
    assert sum(maximum for _, maximum in reference.values()) == 22
    assert all(score == 0 for score, _ in blank.values())


def test_feedback_and_export_run(graded_course):
    course, engine = graded_course
    nbgrader(course, "generate_feedback", "02_pytorch", engine=engine)
    feedback = (course / "feedback/reference/02_pytorch/02_pytorch.html").read_text(encoding="utf-8")
    if engine == "trusted":
        assert "Автопроверка: 5 из 5" in feedback
    nbgrader(course, "export", engine=engine)
    rows = {row["student_id"]: row for row in csv.DictReader((course / "grades.csv").open())}
    assert float(rows["reference"]["raw_score"]) == 22 and float(rows["blank"]["raw_score"]) == 0


def test_gradebook_holds_the_same_scores_as_grade(graded_course):
    course, engine = graded_course
    if engine != "trusted":
        pytest.skip("stock nbgrader scores its own test cells")
    report = grade_submission(course / "submitted/partial/02_pytorch/02_pytorch.ipynb", "02_pytorch", course)
    assert 0 < report.total < report.max_total
    assert auto_scores(course, "partial") == {f"{task}_test": (result.score, result.max_score)
                                              for task, result in report.tasks.items()}
