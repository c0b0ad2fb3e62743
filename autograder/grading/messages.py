"""What a student reads about a task that could not be judged, or a check that failed."""
from __future__ import annotations

import pytest

from autograder.errors import SubmissionError
from autograder.grading.runner import TaskRun
from autograder.status import Status

_STATUS_MESSAGES = {
    Status.NOT_ATTEMPTED: "Задание не выполнено: в ячейке `{task}` осталась заглушка `raise NotImplementedError()`.",
    Status.TIMEOUT: "Не проверено: выполнение остановлено по лимиту времени ({error}). "
                    "Проверьте бесконечные циклы и слишком долгие вычисления.",
    Status.KERNEL_DIED: "Не проверено: ядро Python аварийно завершилось ({error}) — например, "
                        "не хватило памяти или код вызвал выход из процесса.",
    Status.ERROR: "Ячейка `{task}` завершилась ошибкой: {error}",
    Status.REFUSED: "Код задания не запускался при проверке: он обращается к внутренностям интерпретатора, "
                    "torch или ядра Jupyter ({error}). Модули sys, gc, inspect, ctypes, threading, os, "
                    "exec/eval, get_ipython, torch._C, torch.library, torch.overrides, getattr с вычисляемым "
                    "именем и __атрибуты__ для решения не нужны: решите задание обычными средствами torch.",
    Status.TAMPERED: "Задание не засчитано: во время проверки оказалось, что код ноутбука изменил механизм "
                     "проверки ({error}). Работа передана преподавателю для разбора.",
}


def status_message(task: TaskRun) -> str:
    """Why none of a task's checks could judge it: the status of its run."""
    return _STATUS_MESSAGES[task.status].format(task=task.grade_id, error=task.error)


def failure_message(excinfo: pytest.ExceptionInfo, task: TaskRun | None) -> str:
    """What a student reads when a check fails: the check's own words, or what broke; the
    error of the task's cell, if it raised one, is added when the words do not say it."""
    exc = excinfo.value
    if isinstance(exc, AssertionError):
        message = str(exc).split("\nassert ")[0].strip() or "проверка не пройдена"
    elif isinstance(exc, pytest.fail.Exception):  # pytest.fail(...)
        message = exc.msg or ""
    elif isinstance(exc, SubmissionError):
        message = str(exc)
    else:
        message = f"внутренняя ошибка проверки, сообщите преподавателю ({type(exc).__name__}: {exc})"
    if task is not None and task.status == Status.ERROR and task.error and task.error not in message:
        message += f" (ячейка задания завершилась ошибкой: {task.error})"
    return message
