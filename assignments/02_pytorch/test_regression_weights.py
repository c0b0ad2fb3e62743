"""regression_weights: a, b, c drawn with torch.randn(1) on `device`, trainable leaves."""
from scipy import stats

from autograder.checks import check, observer, require_device, require_success, require_tensor
from autograder.source_analysis import called_names, parse_region

TASK = "regression_weights"
NAMES = ("a", "b", "c")
DRAWS = 24
RANDOM_CALLS = {"randn", "randn_like", "normal", "normal_", "trunc_normal_"}
# Re-runs the region once per seed, each in its own copy of the namespace, in one round trip.
DRAW_SOURCE = """
draws_ = []
for seed_ in seeds_:
    __import__("torch").manual_seed(seed_)
    namespace_ = dict(globals())
    exec(get_ipython().transform_cell(region_), namespace_)
    draws_.append(tuple(namespace_.get(name_) for name_ in ("a", "b", "c")))
"""


@observer(TASK)
def observe(probe):
    seen = probe.values("device", *NAMES)
    try:
        seen["draws_normal"] = bool(RANDOM_CALLS & called_names(parse_region(probe.regions[0])))
    except SyntaxError:
        seen["draws_normal"] = False
    if probe.hidden:
        seeds = [int(seed) for seed in probe.rng.integers(0, 2**31, size=DRAWS)]
        seen["draws"] = probe.execute(DRAW_SOURCE, {"seeds_": seeds, "region_": probe.regions[0]},
                                      outputs=("draws_",))
    return seen


def _weight(value, name, device):
    weight = require_tensor(value, name)
    assert tuple(weight.shape) == (1,), f"`{name}` должен иметь форму (1,), а имеет {tuple(weight.shape)}."
    assert weight.dtype in ("float32", "float64"), f"`{name}` должен быть вещественным, а он {weight.dtype}."
    assert weight.requires_grad, f"`{name}` должен требовать градиентов (requires_grad=True)."
    assert weight.is_leaf, (f"`{name}` должен быть листом графа: создайте его сразу с requires_grad=True "
                            "(а не `.to(device)` после requires_grad).")
    assert weight.device_type == device.split(":")[0], f"`{name}` лежит на {weight.device}, а должен на {device}."
    return weight


@check(TASK, points=1)
def test_trainable_leaves(task):
    """a, b, c — обучаемые тензоры формы (1,) на `device`."""
    device = require_device(task.observations["device"])
    for name in NAMES:
        _weight(task.observations[name], name, device)


@check(TASK, points=1, hidden=True)
def test_drawn_from_standard_normal(task):
    """a, b, c случайны и распределены как N(0, 1)."""
    device = require_device(task.observations["device"])
    samples = []
    for draw in require_success(task.observations["draws"], "при повторном запуске")["draws_"]:
        samples += [float(_weight(value, name, device).values[0]) for name, value in zip(NAMES, draw)]
    assert task.observations["draws_normal"], \
        "a, b, c должны быть получены из нормального распределения (torch.randn), а не заданы числами."
    if len(set(samples)) == len(NAMES):
        # The region fixes its own seed (torch.manual_seed): every re-run draws the same three
        # numbers, which is fine; then only check that they are three different draws.
        assert all(abs(v) < 6 for v in samples), "a, b, c не похожи на выборку из N(0, 1)."
        return
    assert len(set(samples)) > len(samples) // 2, "a, b, c не случайны: при разных seed получаются одни и те же числа."
    p_value = stats.kstest(samples, "norm").pvalue
    assert p_value > 1e-6, "a, b, c должны быть из стандартного нормального распределения (torch.randn)."


@check(TASK, points=1, cuda=True)
def test_weights_on_cuda(task):
    """На машине с GPU a, b, c лежат на GPU."""
    for name in NAMES:
        assert require_tensor(task.observations[name], name).device_type == "cuda", f"`{name}` должен лежать на GPU."
