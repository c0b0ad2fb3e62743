"""A TA grades a batch-graded submission's written answer in formgrader, in a real browser
(Debian's chromium driven through chromium-driver), served by a real Jupyter server; the
points and the comment then reach nbgrader's export and feedback, and ours."""
import csv
import shutil
import subprocess
import time
import urllib.request

import pytest
from course_copy import BIN, nbgrader
from nbgrader.api import Gradebook
from tiny_course import CLASS, make_class

from autograder.integrations.batch import run_batch

pytestmark = pytest.mark.slow
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
if CHROMEDRIVER is None:
    pytest.skip("chromium-driver is not installed (scripts/system-packages.sh --for-tests)", allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402 - only once selenium is known to be there
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

TOKEN = "formgrader-test"
COMMENT = "Верно: возведение в степень создаёт новый массив."


@pytest.fixture
def jupyter_server(tmp_path, free_port):
    """The batch-graded class, and a Jupyter server with nbgrader's extensions in its folder."""
    course = make_class(tmp_path, {"alice": CLASS["alice"], "bob": CLASS["bob"]})
    run_batch(course, "00_tiny", jobs=2)
    port = free_port
    server = subprocess.Popen(
        [str(BIN / "jupyter"), "server", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={course}"],
        cwd=course, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("the Jupyter server did not start")
            time.sleep(0.3)
    try:
        yield course, url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _alice_answer(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("answer_why", "00_tiny", "00_tiny", "alice")
        comment = gradebook.find_comment("answer_why", "00_tiny", "00_tiny", "alice")
        return grade.manual_score, grade.needs_manual_grade, comment.manual_comment


def _grades_loaded(driver) -> bool:
    """formgrader's page has fetched the grades and comments it edits (no request pending)."""
    return driver.execute_script("return document.readyState === 'complete' && window.jQuery !== undefined "
                                 "&& jQuery.active === 0 && window.formgrader !== undefined")


def test_a_ta_grades_a_batch_graded_answer_in_formgrader(jupyter_server, browser):
    course, url = jupyter_server
    assert _alice_answer(course) == (None, True, None)  # the batch left it for a TA
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook("00_tiny", "00_tiny", "alice").id

    wait = WebDriverWait(browser, 60)
    browser.get(f"{url}/login?next=/formgrader/submissions/{submission}/")  # as a TA logs in, with the token
    password = wait.until(lambda driver: driver.find_element(By.NAME, "password"))
    password.send_keys(TOKEN, Keys.ENTER)
    score = wait.until(lambda driver: driver.find_element(By.ID, "answer_why"))
    wait.until(_grades_loaded)
    assert "Возведение в степень создаёт новый массив" in browser.page_source  # alice's own answer is shown
    assert "Автопроверка: 2 из 2" in browser.page_source  # and the grader's verdicts in the test cells
    score.clear()
    score.send_keys("1", Keys.TAB)  # formgrader saves a score when the field changes
    comment = browser.find_element(By.ID, "answer_why-comment")
    comment.send_keys(COMMENT, Keys.TAB)
    deadline = time.monotonic() + 30
    while _alice_answer(course) != (1, False, COMMENT) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _alice_answer(course) == (1, False, COMMENT)

    nbgrader(course, "export", "--to", "export.csv")
    exported = {row["student_id"]: row for row in csv.DictReader((course / "export.csv").open())}
    assert exported["alice"]["raw_score"] == "4.0" and exported["alice"]["max_score"] == "4.0"
    nbgrader(course, "generate_feedback", "00_tiny", "--force")
    assert COMMENT in (course / "feedback/alice/00_tiny/00_tiny.html").read_text(encoding="utf-8")
    run_batch(course, "00_tiny", refresh=True)
    ours = {row["student_id"]: row for row in csv.DictReader((course / "reports/00_tiny/grades.csv").open())}
    assert (ours["alice"]["manual_score"], ours["alice"]["score"]) == ("1.0", "4.0")
    assert COMMENT in (course / "feedback/alice/00_tiny/feedback.html").read_text(encoding="utf-8")
