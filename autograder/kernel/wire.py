"""What crosses between the grader and the kernel: plain JSON, decoded strictly.

The probe in the kernel (``autograder/remote/kernel_probe.py``) describes a value as numbers, strings, and arrays
as raw bytes with dtype and shape.  Here those descriptions become small immutable
records.  Nothing is unpickled and no object from the kernel is ever called: an object
whose ``__eq__`` always says True arrives as ``Opaque`` and fails every check.
"""
from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

# dtypes we accept from the kernel; anything else is a protocol error.  Keyed by object: it is
# looked up with whatever the kernel sent as the dtype.
_NUMPY_DTYPES: dict[object, np.dtype] = {name: np.dtype(name) for name in (
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")}
_TORCH_DTYPES = set(_NUMPY_DTYPES) | {"bfloat16"}


class WireError(ValueError):
    """The kernel sent something that is not a well-formed description."""


@dataclass(frozen=True)
class Tensor:
    """A torch tensor as the kernel saw it. ``values`` is a read-only numpy copy."""

    type: str  # "torch.Tensor" or "torch.nn.Parameter" (exact types only)
    dtype: str  # torch dtype name, e.g. "float32"
    shape: tuple
    device: str
    requires_grad: bool
    is_leaf: bool
    grad_fn: str | None
    values: np.ndarray | None  # None when the tensor was too large to send
    grad: Tensor | None = None

    @property
    def device_type(self) -> str:
        return self.device.split(":")[0]


@dataclass(frozen=True)
class Array:
    """A numpy ndarray (exact type) from the kernel."""

    dtype: str
    shape: tuple
    values: np.ndarray


@dataclass(frozen=True)
class Device:
    value: str


@dataclass(frozen=True)
class Opaque:
    """A value of a type the grader does not read; only its type name is known."""

    type: str


@dataclass(frozen=True)
class Missing:
    """The name is not defined in the kernel."""


def _decode_array(spec: dict) -> np.ndarray:
    dtype = _NUMPY_DTYPES.get(spec.get("dtype")) if isinstance(spec.get("dtype"), str) else None
    shape = spec.get("shape")
    if dtype is None or not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise WireError(f"bad array header: dtype={spec.get('dtype')!r} shape={shape!r}")
    try:
        raw = base64.b64decode(spec.get("data", ""), validate=True)
    except (binascii.Error, TypeError) as exc:
        raise WireError(f"bad array data: {exc}") from None
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise WireError("array data does not match its shape and dtype")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape)
    array.flags.writeable = False
    return array


def decode(spec: Any) -> Any:
    """Turn one description from the kernel into plain Python data and records."""
    if spec is None or type(spec) in (bool, int, float, str):
        return spec
    if type(spec) is not dict:
        raise WireError(f"unexpected {type(spec).__name__} in kernel reply")
    kind = spec.get("kind")
    if kind == "tensor":
        if not isinstance(spec.get("torch_dtype"), str) or spec["torch_dtype"] not in _TORCH_DTYPES \
                or spec.get("type") not in ("torch.Tensor", "torch.nn.Parameter"):
            raise WireError(f"bad tensor header: {spec.get('type')!r} {spec.get('torch_dtype')!r}")
        values = None if spec.get("too_large") else _decode_array(spec)
        if values is not None and list(values.shape) != spec.get("shape"):
            raise WireError("tensor shape mismatch")
        grad = decode(spec["grad"]) if "grad" in spec else None
        if grad is not None and not isinstance(grad, Tensor):
            raise WireError("tensor grad is not a tensor")
        return Tensor(type=spec["type"], dtype=spec["torch_dtype"], shape=tuple(spec.get("shape", ())),
                      device=str(spec.get("device")), requires_grad=spec.get("requires_grad") is True,
                      is_leaf=spec.get("is_leaf") is True,
                      grad_fn=spec["grad_fn"] if isinstance(spec.get("grad_fn"), str) else None,
                      values=values, grad=grad)
    if kind == "ndarray":
        values = _decode_array(spec)
        return Array(dtype=str(values.dtype), shape=values.shape, values=values)
    if kind in ("list", "tuple"):
        items = spec.get("items", [])
        if type(items) is not list:
            raise WireError(f"bad {kind}: items are not a list")
        decoded = [decode(item) for item in items]
        return decoded if kind == "list" else tuple(decoded)
    if kind == "device":
        return Device(str(spec.get("value")))
    if kind == "opaque":
        return Opaque(str(spec.get("type")))
    if kind == "missing":
        return Missing()
    raise WireError(f"unknown kind {kind!r} in kernel reply")


def encode_input(value: Any, device: str = "cpu", requires_grad: bool = False) -> Any:
    """Describe a grader-chosen input; the kernel builds a fresh torch tensor from it.

    Python scalars pass as they are; arrays become tensors of the same dtype on ``device``.
    """
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    array = np.array(value, order="C")
    return {"kind": "tensor", "torch_dtype": str(array.dtype), "dtype": str(array.dtype),
            "shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode("ascii"),
            "device": device, "requires_grad": requires_grad}


def numpy_input(value: np.ndarray) -> dict:
    """Describe a numpy array that the kernel should receive as a numpy array."""
    array = np.array(value, order="C")
    return {"kind": "ndarray", "dtype": str(array.dtype), "shape": list(array.shape),
            "data": base64.b64encode(array.tobytes()).decode("ascii")}
