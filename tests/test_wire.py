"""The kernel's descriptions are decoded strictly: no pickles, nothing believed unchecked."""
import base64

import numpy as np
import pytest

from autograder.kernel import wire


def tensor_spec(values, **overrides):
    array = np.asarray(values, dtype=np.float32)
    spec = {"kind": "tensor", "type": "torch.Tensor", "torch_dtype": "float32", "dtype": "float32",
            "shape": list(array.shape), "device": "cpu", "requires_grad": False, "is_leaf": True,
            "grad_fn": None, "data": base64.b64encode(array.tobytes()).decode()}
    spec.update(overrides)
    return spec


def test_tensor_round_trip():
    tensor = wire.decode(tensor_spec([[1, 2], [3, 4]]))
    assert isinstance(tensor, wire.Tensor)
    assert tensor.shape == (2, 2) and tensor.dtype == "float32"
    np.testing.assert_array_equal(tensor.values, [[1, 2], [3, 4]])
    assert not tensor.values.flags.writeable


def test_zero_dim_tensor_keeps_its_shape():
    spec = tensor_spec(np.float32(3.0))
    assert wire.decode(spec).values.shape == ()


@pytest.mark.parametrize("overrides", [
    {"shape": [3, 2]},  # data does not fill the shape
    {"dtype": "object"},  # only numeric dtypes are read
    {"torch_dtype": "complex64"},
    {"type": "MyTensorSubclass"},  # subclasses never pass as tensors
    {"data": "***not base64***"},
    {"dtype": ["int64"]},  # JSON that is not a name: refused, never a TypeError of the lookup
    {"torch_dtype": {"int64": 1}},
    {"shape": "2x2"},
])
def test_malformed_tensor_is_refused(overrides):
    with pytest.raises(wire.WireError):
        wire.decode(tensor_spec([[1, 2], [3, 4]], **overrides))


def test_unknown_objects_stay_opaque():
    assert wire.decode({"kind": "opaque", "type": "builtins.AlwaysEqual"}) == wire.Opaque("builtins.AlwaysEqual")
    assert wire.decode({"kind": "missing"}) == wire.Missing()
    with pytest.raises(wire.WireError):
        wire.decode({"kind": "pickle", "data": "gASVAAAAAAAAAACMAWGULg=="})
    with pytest.raises(wire.WireError):
        wire.decode({"kind": "list", "items": 3})


def test_input_descriptions_build_tensors_of_the_same_dtype():
    spec = wire.encode_input(np.arange(3, dtype=np.float64), device="cpu", requires_grad=True)
    assert spec["torch_dtype"] == "float64" and spec["requires_grad"] and spec["shape"] == [3]
    assert wire.encode_input(2.5) == 2.5
