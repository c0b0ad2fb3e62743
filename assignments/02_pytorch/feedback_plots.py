"""Feedback plots of the 02_pytorch seminar, drawn from the student's own training run.

``autograder/feedback.py`` imports this file and calls ``plots(report)``.  The data is what
the observer of ``regression_step`` put into ``report.tasks["regression_step"].feedback``:
``loss_list``, ``a_list``, ``b_list``, ``c_list`` (one value per epoch) and ``fit``
([a, b, c] after training).  Any of them may be missing (task not attempted, variable not
defined) and the values may be nan or huge (training diverged): every plot must still draw.

Figures are plain ``matplotlib.figure.Figure`` objects (no pyplot): no global state, no GUI.
"""
import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from autograder.checks import assignment_module

seminar = assignment_module(__file__, "seminar")
TASK = "regression_step"
PARAMETERS = ("a", "b", "c")
PLOTTABLE = 1e100  # larger magnitudes are drawn as gaps (see _finite)
# Titles are placed at the top of the axes (``y=1.0``) rather than above whatever ticks are
# there: finding those ticks' extent costs a tenth of drawing a plain plot.


def plots(report) -> list:
    """``[(title, Figure)]`` for whatever part of the training history the student produced."""
    task = report.tasks.get(TASK)
    history = task.feedback if task is not None else {}
    figures = []
    if len(history.get("fit", ())) == 3:
        figures.append(("Ваша парабола на данных семинара", fit_figure(history["fit"])))
    if history.get("loss_list"):
        figures.append(("Средний loss по эпохам", loss_figure(history["loss_list"])))
    if any(history.get(f"{name}_list") for name in PARAMETERS):
        figures.append(("Параметры a, b, c по эпохам", parameters_figure(history)))
    return figures


def fit_figure(fit) -> Figure:
    """The data points, the true parabola, and the one the student trained."""
    true, xs, ys = seminar.regression_data()
    grid = np.linspace(-3, 3, 200)
    figure = Figure(figsize=(6, 4))
    axes = figure.add_subplot()
    axes.scatter(xs, ys, s=12, color="tab:blue", alpha=0.6, label="данные")
    axes.plot(grid, np.polyval(true, grid), "--", color="gray", label="истинная зависимость")
    a, b, c = fit
    with np.errstate(all="ignore"):  # a diverged fit overflows: drawn as gaps
        curve = _finite(np.polyval(fit, grid))
    axes.plot(grid, curve, color="tab:red", label=f"ваша: {a:.3g}x² + {b:.3g}x + {c:.3g}")
    margin = 0.2 * (ys.max() - ys.min())
    axes.set_ylim(ys.min() - margin, ys.max() + margin)  # a diverged fit must not squash the data
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    axes.set_title("Регрессия: данные и обученная парабола", y=1.0)
    axes.legend()
    return figure


def loss_figure(losses) -> Figure:
    figure = Figure(figsize=(6, 4))
    axes = figure.add_subplot()
    axes.plot(np.arange(1, len(losses) + 1), _finite_positive(losses), color="tab:blue")
    axes.set_yscale("log")
    # "100", "10" as plain text: the default 10^k labels go through matplotlib's TeX-style
    # maths parser, a sixth of the CPU the three plots of a student cost the batch
    axes.yaxis.set_major_formatter(ticker.LogFormatter())
    axes.yaxis.set_minor_formatter(ticker.LogFormatter(labelOnlyBase=False))
    axes.set_xlabel("Эпоха")
    axes.set_ylabel("Средний loss (лог. шкала)")
    axes.set_title("Loss по эпохам", y=1.0)
    axes.grid(True, which="both", alpha=0.3)
    return figure


def parameters_figure(history: dict) -> Figure:
    """Each parameter's trajectory, with its true value as a dashed line of the same colour."""
    true, _, _ = seminar.regression_data()
    figure = Figure(figsize=(6, 4))
    axes = figure.add_subplot()
    for name, value, colour in zip(PARAMETERS, true, ("tab:red", "tab:green", "tab:blue"), strict=True):
        values = history.get(f"{name}_list") or []
        axes.plot(np.arange(1, len(values) + 1), _finite(values), color=colour, label=name)
        axes.axhline(value, linestyle="--", color=colour, alpha=0.7, label=f"истинное {name} = {value:.3g}")
    axes.set_xlabel("Эпоха")
    axes.set_ylabel("Значение параметра")
    axes.set_title("Параметры по эпохам", y=1.0)
    axes.legend(fontsize="small", ncol=2)
    return figure


def _finite(values) -> np.ndarray:
    """nan in place of inf and absurd values, so a diverged run draws as a gap, not broken axes.

    The student's tensors are float32, so nothing real exceeds ~3.4e38; matplotlib's tick
    maths overflows near float64's maximum.
    """
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.abs(values) <= PLOTTABLE, values, np.nan)


def _finite_positive(values) -> np.ndarray:
    """As ``_finite``, and nan for values a log scale cannot show (loss <= 0)."""
    values = _finite(values)
    return np.where(values > 0, values, np.nan)
