"""The view keyword arguments have one home (omearrow._viewargs): every public entry
point that takes them spells out the same names, in the same order, with the same
defaults as TensorView, and passes each one through."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import omearrow
from omearrow._viewargs import SELECTION_ARGUMENTS, UNSET, VIEW_ARGUMENTS, given_selection

from records import make_record


def _view_parameters(function) -> list[inspect.Parameter]:
    params = inspect.signature(function).parameters
    return [params[name] for name in params if name in VIEW_ARGUMENTS]


def test_tensor_view_signature_is_the_home():
    params = inspect.signature(omearrow.TensorView.__init__).parameters
    names = [n for n in params if n not in ("self", "data", "plane_loader")]
    assert tuple(names) == VIEW_ARGUMENTS


@pytest.mark.parametrize(
    "function",
    [omearrow.LazyTensorView.__init__, omearrow.OmeImage.tensor_view],
    ids=["LazyTensorView", "OmeImage.tensor_view"],
)
def test_entry_points_repeat_the_same_arguments(function):
    reference = _view_parameters(omearrow.TensorView.__init__)
    ours = _view_parameters(function)
    assert [p.name for p in ours] == list(VIEW_ARGUMENTS)
    for a, b in zip(ours, reference):
        assert a.default == b.default, a.name
        assert a.kind == inspect.Parameter.KEYWORD_ONLY
        assert a.annotation == b.annotation, a.name


def test_select_takes_exactly_the_selection_arguments():
    params = inspect.signature(omearrow.LazyTensorView.select).parameters
    names = [n for n in params if n != "self"]
    assert tuple(names) == SELECTION_ARGUMENTS
    assert all(params[n].default is UNSET for n in names)


def test_given_selection_keeps_explicit_none_and_drops_unset():
    values = {name: UNSET for name in SELECTION_ARGUMENTS}
    values.update(t=None, roi=(0, 0, 2, 2))
    assert given_selection(values) == {"t": None, "roi": (0, 0, 2, 2)}


def test_every_argument_reaches_the_view():
    """Each view argument given to LazyTensorView arrives in the collected TensorView."""
    record = make_record(np.arange(2 * 3 * 2 * 8 * 8, dtype=np.uint16).reshape(2, 3, 2, 8, 8))
    lazy = omearrow.LazyTensorView(
        loader=lambda: record, t=1, z=0, c=[2, 0], roi=(1, 2, 4, 3), layout="YXC",
        dtype=np.float32, channel_policy="first",
    )
    direct = omearrow.TensorView(
        record, t=1, z=0, c=[2, 0], roi=(1, 2, 4, 3), layout="YXC", dtype=np.float32,
        channel_policy="first",
    )
    np.testing.assert_array_equal(lazy.to_numpy(), direct.to_numpy())
    assert lazy.dtype == np.float32 and lazy.shape == (3, 4, 2)
    moved = lazy.select(roi=None, c=1)
    assert moved.shape == (8, 8, 1)
