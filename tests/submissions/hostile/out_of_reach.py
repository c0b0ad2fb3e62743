# Reaching for what the sandbox must hide; each theft, if it worked, would gain points.
# cosine_matrix execs the instructor's solution if it can read source/02_pytorch/02_pytorch.ipynb
# (absolute paths from sys.prefix, $PWD, $OLDPWD, $HOME, $VIRTUAL_ENV, /proc/*/environ and
# /proc/*/cmdline, relative paths, /proc/*/cwd, /proc/*/root), else hands in a wrong 3×3 (0: the
# search loops in the helpers it calls); my_sigmoid runs a classmate's MySigmoid if it finds another submission (pytest's and the
# grader's temporary folders, submitted/ and autograded/ next to any course root, the gradebook's
# folder), else an identity with a zero backward (0); regression_data is right only if a forged
# report.json could be written where the grader or nbgrader keeps reports and results (the course
# root, feedback/, /autograder/results/; removed again at once), else numpy arrays; a region reaching
# for os and the file system is not run at all (0; the training then has no data and loses 2 points).
# Every theft runs from a region (the student's own cells contribute only the helpers' definitions).
# expect: cosine_matrix=0 regression_data=0 my_sigmoid=0 regression_step=3

# %% extra after cosine_matrix_inputs
import glob
import json
import os
import sys

def course_roots():
    """Every folder that might be the course root, by every route a kernel could try."""
    roots = [os.path.dirname(sys.prefix), os.getcwd()]
    roots += [os.environ.get(name, "") for name in ("PWD", "OLDPWD", "HOME", "VIRTUAL_ENV")]
    roots += [os.path.join(*[".."] * up) for up in range(1, 9)]
    for proc in glob.glob("/proc/[0-9]*"):
        roots += [os.path.join(proc, "cwd"), os.path.join(proc, "root", "work", "main")]
        try:
            environ = open(os.path.join(proc, "environ"), "rb").read().split(b"\0")
            cmdline = open(os.path.join(proc, "cmdline"), "rb").read().split(b"\0")
        except OSError:
            continue
        for entry in environ:
            name, _, value = entry.decode(errors="replace").partition("=")
            if name in ("PWD", "OLDPWD", "VIRTUAL_ENV", "HOME"):
                roots += [value, os.path.dirname(value)]
        roots += [os.path.dirname(arg.decode(errors="replace")) for arg in cmdline if arg.startswith(b"/")]
    roots += ["/work/main", "/course", "/srv/nbgrader/course", "/home/grader/course"]
    seen = []
    for root in roots:
        while root and root not in seen:
            seen.append(root)
            parent = os.path.dirname(root.rstrip("/"))
            root = parent if parent != root else ""
    return seen


def solution_cell(path, grade_id):
    try:
        with open(path, encoding="utf-8") as file:
            cells = json.load(file)["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for cell in cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            source = "".join(cell["source"])
            if "raise NotImplementedError" not in source:
                return source
    return None


def steal_instructor(grade_id):
    notebook = os.path.join("source", "02_pytorch", "02_pytorch.ipynb")
    for root in course_roots():
        source = solution_cell(os.path.join(root, notebook), grade_id)
        if source:
            return source
    return None


# %% cosine_matrix
exec(steal_instructor("cosine_matrix") or "cos_mat = torch.zeros(3, 3)")

# %% extra after regression_device
def forge_reports():
    """True if a forged report could be written where the grader writes reports."""
    forged = False
    report_dirs = ("", "feedback", "reports", "autograded", "submitted", "release")
    targets = [os.path.join(root, folder) for root in course_roots() for folder in report_dirs
               if os.path.isfile(os.path.join(root, "nbgrader_config.py"))]  # a real course, not an empty mount point
    if os.path.isfile("/autograder/submission_metadata.json"):
        targets.append("/autograder/results")  # Gradescope's
    for folder in targets:
        if not os.path.isdir(folder):
            continue
        path = os.path.join(folder, "report.json")
        if os.path.exists(path):
            continue
        try:
            with open(path, "w") as file:
                file.write(json.dumps({"total": 22, "max_total": 22}))
            os.remove(path)
            forged = True
        except OSError:
            pass
    return forged


# %% regression_data
if forge_reports():
    xs_device = torch.tensor(xs, device=device)
    ys_device = torch.tensor(ys, device=device)
else:
    xs_device, ys_device = xs, ys  # numpy arrays, not tensors on device

# %% extra after regression_step_test
def classmates_notebooks():
    patterns = ["/tmp/pytest-of-*/pytest-*/*/submitted/*/02_pytorch/*.ipynb", "/tmp/autograder-*/*/*.ipynb",
                "/tmp/*/submitted/*/02_pytorch/*.ipynb", "/tmp/*/*/submitted/*/02_pytorch/*.ipynb"]
    for root in course_roots():
        patterns += [os.path.join(root, folder, "*", "02_pytorch", "*.ipynb") for folder in ("submitted", "autograded")]
        if glob.glob(os.path.join(root, "gradebook.db")):
            patterns.append(os.path.join(root, "*", "*", "02_pytorch", "*.ipynb"))
    for pattern in patterns:
        yield from glob.glob(pattern)


class Stolen:
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * 0


def works(candidate):
    x = torch.linspace(-5, 5, 11, dtype=torch.float64, requires_grad=True)
    y = candidate.apply(x)
    (g,) = torch.autograd.grad(y, x, torch.ones_like(y))
    s = torch.sigmoid(x.detach())
    return torch.allclose(y.detach(), s) and torch.allclose(g, s * (1 - s))


def steal_sigmoid(found=[]):
    """A classmate's working MySigmoid, else Stolen (searched once, then remembered)."""
    if found:
        return found[0]
    found.append(Stolen)
    for path in classmates_notebooks():
        source = solution_cell(path, "my_sigmoid")
        if source and "BEGIN SOLUTION" not in source and "Stolen" not in source:
            namespace = {"torch": torch}
            try:
                exec(source, namespace)
                if works(namespace["MySigmoid"]):
                    found[0] = namespace["MySigmoid"]
                    break
            except Exception:
                continue
    return found[0]

# %% region my_sigmoid
val = steal_sigmoid().forward(ctx, x)

# %% region my_sigmoid:2
grad = steal_sigmoid().backward(ctx, grad_output)
