"""Figures for feedback pages: the assignment's own plots of a student's results, and
matplotlib figures as SVG or PNG bytes, drawn in memory."""
from __future__ import annotations

import importlib.util
import io
import logging
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG

from autograder.course.assignment import FEEDBACK_PLOTS
from autograder.report import Report

log = logging.getLogger(__name__)


def assignment_plots(report: Report, assignment_dir: Path) -> list:
    """``[(title, SVG bytes)]`` from the assignment's ``feedback_plots.py``; ``[]`` if it has none.

    The plotted data is the student's own output, so it can be anything (nan, empty, huge):
    a plot that fails is logged and left out rather than costing the student their feedback.
    """
    path = assignment_dir / FEEDBACK_PLOTS
    if not path.exists():
        return []
    try:
        module = _import_file(path, f"_feedback_plots_{assignment_dir.name}")
        return [(title, figure_svg(figure)) for title, figure in module.plots(report)]
    except Exception:
        log.warning("feedback plots of %s for %s failed; the page goes without them",
                    assignment_dir.name, report.student, exc_info=True)
        return []


def _import_file(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None  # a ``.py`` path always gets a source loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def figure_svg(figure) -> bytes:
    """A matplotlib Figure as SVG, text kept as text (the browser draws it with its own fonts)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "feedback"}):
        FigureCanvasSVG(figure).print_svg(buffer)
    return buffer.getvalue()


def figure_png(figure) -> bytes:
    """A matplotlib Figure as PNG bytes, rendered in memory by the Agg canvas (no file, no GUI)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()
