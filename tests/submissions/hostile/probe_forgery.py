# Forged answers to the grader's probes (each would GAIN points if it worked). Whatever way the
# grader's questions reach the kernel -- as cells (a framed reply on stdout) or as messages on a
# Jupyter comm -- they pass through machinery the student's code can reach; each forger covers both
# ways (and is inert where its way does not exist), is installed from the student's own cell before
# its task and removed after its test cell.  Only definitions from such cells run in grading, so
# none of them is installed and each region gets what it deserves:
# regression_data -- the reply is forged on its way out: a pre_run_cell hook printing its own framed
# reply first, and the kernel session's send() rewriting the comm reply from the inputs of the
# request being answered; the region itself reads the notebook's data through `__main__`, and is not
# run at all (the perimeter: 0, and the training that needs its tensors fails);
# regression_weights -- the probe's own functions are rewired: its _run (found in sys.modules, or
# through the globals of the comm handler's default arguments) swaps the region's truncated normal on
# [0, 1] for torch.randn when the grader re-draws the weights (deserves 1: not N(0, 1));
# regression_step -- the request is rewritten on its way in (an input transformer for probe cells;
# the grader's comm's handle_msg for comm messages): the region's `2 *` taken out of the loss and
# loss_list halved as the grader reads it (a doubled loss deserves 1: training converges, the rest
# fails; here the training has no data: 0).
# expect: regression_data=0 regression_weights=1 regression_step=0
# fails: regression_data.test_other_data regression_weights.test_drawn_from_standard_normal regression_step.test_step_on_example regression_step.test_step_on_hidden_values regression_step.test_loss_decreases regression_data.test_same_values regression_data.test_tensors_on_device regression_step.test_training_converges

# %% extra after regression_device
import ast
import base64
import json
import re
import sys


def grader_comms():
    """The comms the grader opened to ask its questions (none when probes run as cells)."""
    return [comm for comm in get_ipython().kernel.comm_manager.comms.values() if comm._msg_callback]


def probe_namespaces():
    """The globals of the grader's probe code in this kernel, wherever they can be found."""
    found = [vars(module) for name, module in list(sys.modules.items()) if name.startswith("_autograder_probe_")]
    found += [default.__globals__ for comm in grader_comms() for default in comm._msg_callback.__defaults__ or ()
              if hasattr(default, "__globals__") and "_run" in default.__globals__]
    return found


def _tensor_spec(array):
    array = np.ascontiguousarray(array, dtype=np.float64)
    return {"kind": "tensor", "type": "torch.Tensor", "torch_dtype": "float64", "dtype": "float64",
            "shape": list(array.shape), "device": "cpu", "requires_grad": False, "is_leaf": True,
            "grad_fn": None, "data": base64.b64encode(array.tobytes()).decode("ascii")}


def forged_data_reply(request):
    """The reply to a re-run of the data region: tensors of the grader's own inputs."""
    if request.get("op") != "exec" or set(request.get("inputs", {})) != {"xs", "ys"}:
        return None
    data = {name: np.frombuffer(base64.b64decode(spec["data"]), dtype=spec["dtype"]).reshape(spec["shape"])
            for name, spec in request["inputs"].items()}
    return {"values": {"xs_device": _tensor_spec(data["xs"]), "ys_device": _tensor_spec(data["ys"])}}


def forge_printed_reply(info):
    call = re.search(r"\.handle\((.*)\)\s*$", info.raw_cell or "", re.S)
    if "_autograder_probe_" not in (info.raw_cell or "") or not call:
        return
    marker, request = ast.literal_eval("(" + call.group(1) + ")")
    reply = forged_data_reply(json.loads(request))
    if reply is not None:
        print(marker + json.dumps(reply) + marker)


session = get_ipython().kernel.session
genuine_send = session.send


def forging_send(stream, msg_or_type, content=None, *args, **kwargs):
    data = content.get("data") if msg_or_type == "comm_msg" and isinstance(content, dict) else None
    if isinstance(data, dict) and isinstance(data.get("reply"), str):
        asked = get_ipython().kernel.get_parent().get("content", {}).get("data", {})
        reply = forged_data_reply(json.loads(asked.get("request", "{}")))
        if reply is not None:
            content = {**content, "data": {**data, "reply": json.dumps(reply)}}
    return genuine_send(stream, msg_or_type, content, *args, **kwargs)


get_ipython().events.register("pre_run_cell", forge_printed_reply)
session.send = forging_send

# %% regression_data
import __main__  # the notebook's own data, whatever inputs the grader puts in xs and ys

xs_device = torch.tensor(__main__.xs, device=device)
ys_device = torch.tensor(__main__.ys, device=device)

# %% extra after regression_data_test
get_ipython().events.unregister("pre_run_cell", forge_printed_reply)
session.send = genuine_send

NORMAL_DRAWS = "\n".join(f"{name} = torch.randn(1, device=device, requires_grad=True)" for name in "abc")
rewired = []
for names in probe_namespaces():
    genuine_run = names["_run"]

    def forged_run(request, genuine_run=genuine_run):
        if request.get("op") == "exec" and "region_" in request.get("inputs", {}):
            request["inputs"]["region_"] = NORMAL_DRAWS
        return genuine_run(request)

    names["_run"] = forged_run
    rewired.append((names, genuine_run))

# %% regression_weights
a = torch.nn.init.trunc_normal_(torch.empty(1, device=device), a=0.0, b=1.0).requires_grad_()
b = torch.nn.init.trunc_normal_(torch.empty(1, device=device), a=0.0, b=1.0).requires_grad_()
c = torch.nn.init.trunc_normal_(torch.empty(1, device=device), a=0.0, b=1.0).requires_grad_()

# %% extra after regression_weights_test
for names, genuine_run in rewired:
    names["_run"] = genuine_run


def honest_loss(text):
    text = text.replace("loss = 2 * (y_pred - y_true) ** 2", "loss = (y_pred - y_true) ** 2")
    return text.replace("loss_list_ = numpy.asarray(loss_list, dtype=numpy.float64)",
                        "loss_list_ = numpy.asarray(loss_list, dtype=numpy.float64) / 2")


def rewrite_probe_cells(lines):
    cell = "".join(lines)
    return honest_loss(cell).splitlines(keepends=True) if "_autograder_probe_" in cell else lines


def rewrite_comm_requests(comm):
    genuine_handle = comm.handle_msg

    def handle_msg(msg):
        data = msg["content"].get("data")
        if isinstance(data, dict) and isinstance(data.get("request"), str):
            request = json.loads(data["request"])
            request["source"] = honest_loss(request.get("source", ""))
            data["request"] = json.dumps(request)
        return genuine_handle(msg)

    comm.handle_msg = handle_msg


get_ipython().input_transformers_post.append(rewrite_probe_cells)
for comm in grader_comms():
    rewrite_comm_requests(comm)

# %% region regression_step
x = xs_device[i]
y_true = ys_device[i]
y_pred = model(x, a, b, c)
loss = 2 * (y_pred - y_true) ** 2
loss.backward()

# %% extra after regression_step_test
get_ipython().input_transformers_post.remove(rewrite_probe_cells)
for comm in grader_comms():
    del comm.handle_msg
