"""The student's region is found inside template code, however they edited around it."""
from autograder.course.regions import extract_regions, fill_template, is_untouched_stub, strip_timing_magics

LOOP_TEMPLATE = """for epoch in range(3):
    for i in indices:
        # YOUR CODE HERE
        raise NotImplementedError()

        with torch.no_grad():
            a -= lr * a.grad
        loss_epoch.append(loss.item())
"""

CLASS_TEMPLATE = """class MySigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        # YOUR CODE HERE
        raise NotImplementedError()
        return val

    @staticmethod
    def backward(ctx, grad_output):
        # YOUR CODE HERE
        raise NotImplementedError()
        return grad"""


def test_region_with_blank_lines_inside_a_loop():
    student = LOOP_TEMPLATE.replace("        # YOUR CODE HERE\n        raise NotImplementedError()\n",
                                    "        x = xs[i]\n\n        loss = (model(x) - ys[i]) ** 2\n"
                                    "        loss.backward()\n")
    (region,) = extract_regions(LOOP_TEMPLATE, student)
    assert region.split("\n") == ["        x = xs[i]", "", "        loss = (model(x) - ys[i]) ** 2",
                                  "        loss.backward()", ""]


def test_two_regions_in_a_class():
    stub = "        # YOUR CODE HERE\n        raise NotImplementedError()\n"
    student = CLASS_TEMPLATE.replace(stub + "        return val",
                                     "        val = torch.sigmoid(x)\n        ctx.save_for_backward(val)\n"
                                     "        return val")
    student = student.replace(stub + "        return grad",
                              "        val, = ctx.saved_tensors\n        grad = grad_output * val * (1 - val)\n"
                              "        return grad")
    forward, backward = extract_regions(CLASS_TEMPLATE, student)
    assert "torch.sigmoid" in forward and "return" not in forward
    assert "saved_tensors" in backward and "return" not in backward


def test_whole_cell_region():
    assert extract_regions("# YOUR CODE HERE\nraise NotImplementedError()", "y = 1\nz = 2") == ["y = 1\nz = 2"]


def test_untouched_stub_is_recognised():
    (region,) = extract_regions(LOOP_TEMPLATE, LOOP_TEMPLATE)
    assert is_untouched_stub(region)
    assert not is_untouched_stub("x = 1\nraise NotImplementedError()")


def test_fill_template_keeps_the_release_code_around_regions():
    forged = LOOP_TEMPLATE.replace("        # YOUR CODE HERE\n        raise NotImplementedError()\n",
                                   "        loss = (model(xs[i]) - ys[i]) ** 2\n        loss.backward()\n")
    forged += "a = fit[0]  # overwrite the trained weight after the loop\n"
    restored = fill_template(LOOP_TEMPLATE, extract_regions(LOOP_TEMPLATE, forged))
    assert "loss.backward()" in restored and "a = fit[0]" not in restored
    compile(restored, "<cell>", "exec")


def test_fill_template_with_an_empty_region_stays_valid_python():
    compile(fill_template(CLASS_TEMPLATE, ["", ""]), "<cell>", "exec")


def test_timing_magics_are_stripped_for_re_runs():
    assert strip_timing_magics("%%time\ncos = X @ Y.T") == "cos = X @ Y.T"
    assert strip_timing_magics("    %timeit -n 3 -r 2 y = f(x)\nz = 1") == "    y = f(x)\nz = 1"


def test_a_region_that_leaves_its_place_in_the_template_is_recognised():
    from autograder.course.regions import escapes_template
    escaping = LOOP_TEMPLATE.replace("        # YOUR CODE HERE\n        raise NotImplementedError()\n",
                                     "        loss.backward()\n        break\n    break\na = fit\nfor epoch in []:\n"
                                     "    for i in []:\n        pass\n")
    assert escapes_template(LOOP_TEMPLATE, extract_regions(LOOP_TEMPLATE, escaping))
    assert not escapes_template(LOOP_TEMPLATE, ["        loss.backward()"])
