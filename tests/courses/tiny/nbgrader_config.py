"""A tiny course that the engine's own tests grade: proof that the engine is generic."""
import os

c = get_config()  # noqa: F821
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "tiny"
c.Grader.cell_timeout = 5
c.Grader.notebook_timeout = 60
