"""Renderings of reports: feedback HTML, the graded notebook for formgrader, the class report."""
