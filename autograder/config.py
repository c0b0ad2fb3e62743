"""The grader's options, read from the course's ``nbgrader_config.py`` (section ``Grader``).

Like nbclient's options, each is a typed, documented traitlet, so staff set them where
they already configure nbgrader::

    c.Grader.cell_timeout = 120
    c.Grader.notebook_timeout = 900
"""
from __future__ import annotations

from os import environ
from pathlib import Path

from traitlets import Bool, Float, Integer, List, Unicode
from traitlets.config import Configurable
from traitlets.config.loader import Config, PyFileConfigLoader

from autograder.errors import SecretUnreadable


class Grader(Configurable):
    cell_timeout = Float(
        120, help="Seconds one cell (or one grader probe) may run before the kernel is killed. "
                  "Defaults to nbgrader's Execute.timeout when that is set.").tag(config=True)
    notebook_timeout = Float(
        900, help="Seconds the whole submission may run; tasks not reached by then score 0.").tag(config=True)
    startup_timeout = Float(
        60, help="Seconds to wait for the kernel to start and to load the grader's probe in it (which imports "
                 "torch): a short cell_timeout does not limit them.").tag(config=True)
    kernel_name = Unicode("python3", help="Jupyter kernel that runs submissions.").tag(config=True)
    preload_modules = List(
        Unicode(), [], help="Modules the kernel imports while it boots, before any student code "
                            "(e.g. torch): their import then overlaps with the grader's start-up.").tag(config=True)
    skip_unneeded_cells = Bool(
        True, help="Skip the release's ungraded demonstration cells that nothing graded depends on "
                   "(see autograder.analysis.needed_cells); a check that reads what a skipped cell would have "
                   "set makes the grader run the whole notebook again.").tag(config=True)
    max_submission_mb = Integer(50, help="Larger notebook files are refused unread.").tag(config=True)
    secret_env = Unicode(
        "AUTOGRADER_SECRET", help="Environment variable that holds the course secret, mixed into the seed of "
                                  "every student's hidden inputs (the course repository may be public; the "
                                  "secret must not be).").tag(config=True)
    secret_file = Unicode(
        "", help="File that holds the course secret when the environment variable is not set; keep it outside "
                 "the repository. Never sent to the kernel.").tag(config=True)

    def course_secret(self) -> str:
        """The course secret, or "" when none is configured (hidden inputs are then predictable)."""
        if environ.get(self.secret_env):
            return environ[self.secret_env]
        if not self.secret_file:
            return ""
        path = Path(self.secret_file).expanduser()
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise SecretUnreadable(f"{path}: the course secret (c.Grader.secret_file) cannot be read ({exc})") from None




NO_SECRET_WARNING = ("no course secret is configured (c.Grader.secret_env / c.Grader.secret_file): anyone with "
                     "the course repository can compute a student's hidden inputs")


def load_course_config(course_root: Path) -> Config:
    """The course's nbgrader_config.py as a traitlets Config (empty when there is none)."""
    path = Path(course_root) / "nbgrader_config.py"
    if not path.exists():
        return Config()
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def grader_settings(course_root: Path) -> Grader:
    config = load_course_config(course_root)
    if "cell_timeout" not in config.Grader:
        for section in ("Execute", "ExecutePreprocessor"):
            if "timeout" in config[section]:
                config.Grader.cell_timeout = float(config[section].timeout)
                break
    return Grader(config=config)
