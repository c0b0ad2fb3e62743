"""Task statuses: one vocabulary, the same whether made by the grader or read back from JSON."""
import json

from autograder.outputs.html import STATUS_LABELS
from autograder.status import CUT_OFF, WHOLE_TASK, Status


def test_a_status_is_its_value_in_json_and_in_lookups():
    assert json.dumps({"status": Status.TAMPERED}) == '{"status": "tampered"}'
    assert Status.PASSED == "passed" and f"{Status.PASSED}" == "passed" and Status("kernel_died") is Status.KERNEL_DIED
    assert STATUS_LABELS["passed"] == STATUS_LABELS[Status.PASSED]  # a status read back from a report.json
    assert "timeout" in CUT_OFF and "not_attempted" in WHOLE_TASK and "failed" not in WHOLE_TASK


def test_every_status_a_student_may_see_has_a_label():
    internal = {Status.OK, Status.REFUSED}  # the runner's; the report turns them into a verdict
    assert set(STATUS_LABELS) == set(Status) - internal
