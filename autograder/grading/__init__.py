"""Grading one submission: the orchestrator, the notebook run with its observers, and the
pytest plugin that turns check modules into scored results."""
