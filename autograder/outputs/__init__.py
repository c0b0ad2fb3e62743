"""Renderings of a report: the terminal table, Gradescope's results.json, the student's feedback
page with its plots, the graded notebook for formgrader, and the class report."""
