"""nbgrader configuration of the course (read by `nbgrader ...` run from this folder)."""
import os

c = get_config()  # noqa: F821 - injected by traitlets when nbgrader loads this file

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "pytorch-basics"
c.CourseDirectory.db_assignments = [dict(name="02_pytorch")]

# A cell that runs longer than this is stopped (seconds). Our own grader reads it too.
c.ExecutePreprocessor.timeout = 120
c.Execute.timeout = 120
