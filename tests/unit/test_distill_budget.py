"""Epochs from a target number of optimizer steps (bounded), and the too-small warnings."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.distill.budget import (
    MAX_EPOCHS,
    MIN_EPOCHS,
    MIN_SPANS_PER_TYPE,
    MIN_STEPS,
    TARGET_STEPS,
    EpochPlan,
    plan_epochs,
    steps_per_epoch,
    training_warnings,
)


@pytest.mark.parametrize(
    ("windows", "batch", "world", "given_epochs", "epochs", "steps"),
    [
        (1996, 16, 1, None, 2, 250),  # the 2,000-document run: 2 epochs, as before the rule
        (219, 16, 1, None, 18, 252),  # the run that learned nothing in 2 epochs (28 steps)
        (20000, 16, 1, None, 1, 1250),  # plenty of data: one pass is past the target
        (40, 16, 1, None, MAX_EPOCHS, 3 * MAX_EPOCHS),  # tiny: the ceiling stops it
        (219, 16, 2, None, 36, 252),  # Ray Train with 2 workers: each takes half the batches
        (219, 16, 1, 12, 12, 168),  # --epochs wins
        (64, 8, 1, 10, 10, 80),
    ],
)
def test_plan_epochs_table(windows, batch, world, given_epochs, epochs, steps):
    plan = plan_epochs(windows, batch, world, given_epochs)
    assert (plan.epochs, plan.steps, plan.auto) == (epochs, steps, given_epochs is None)


@given(windows=st.integers(1, 100_000), batch=st.integers(1, 256), world=st.integers(1, 8))
def test_auto_epochs_are_the_fewest_reaching_the_target_within_bounds(windows, batch, world):
    per = steps_per_epoch(windows, batch, world)
    plan = plan_epochs(windows, batch, world)
    assert MIN_EPOCHS <= plan.epochs <= MAX_EPOCHS and plan.auto
    assert (
        plan.steps_per_epoch
        == per
        == (math.ceil(windows / batch) // world if world > 1 else math.ceil(windows / batch))
    )
    if per == 0:
        return  # fewer batches than workers: the training loop refuses with its own message
    if plan.epochs < MAX_EPOCHS:
        assert plan.steps >= TARGET_STEPS
    if plan.epochs > MIN_EPOCHS:
        assert (plan.epochs - 1) * per < TARGET_STEPS  # one epoch fewer would fall short


@pytest.mark.parametrize("bad", [(0, 16, 1, None), (10, 0, 1, None), (10, 16, 0, None), (10, 16, 1, 0)])
def test_plan_epochs_rejects_nonsense(bad):
    with pytest.raises(ValueError):
        plan_epochs(*bad)


TYPES = ["EMPLOYEE_ID", "PERSON"]
PLENTY = {"EMPLOYEE_ID": 500, "PERSON": 400}


@pytest.mark.parametrize(
    ("plan", "docs", "spans", "expected"),
    [
        (EpochPlan(2, 125, auto=True), 1996, PLENTY, []),
        (EpochPlan(18, 14, auto=True), 219, PLENTY, []),
        # the measured failure: 2 epochs given on 219 documents
        (EpochPlan(2, 14, auto=False), 219, PLENTY, [f"28 optimizer steps (fewer than {MIN_STEPS})", "leave --epochs"]),
        (EpochPlan(MAX_EPOCHS, 1, auto=True), 16, PLENTY, ["only 16 training documents", "epoch ceiling"]),
        (EpochPlan(MAX_EPOCHS, 2, auto=True), 30, PLENTY, ["only 30 training documents"]),
        (
            EpochPlan(2, 125, auto=True),
            1996,
            {"EMPLOYEE_ID": 500, "PERSON": MIN_SPANS_PER_TYPE - 1},
            [f"PERSON ({MIN_SPANS_PER_TYPE - 1})"],
        ),
        (EpochPlan(2, 125, auto=True), 1996, {"PERSON": 400}, ["EMPLOYEE_ID (0)"]),
    ],
)
def test_training_warnings_name_the_figures(plan, docs, spans, expected):
    got = training_warnings(plan, docs, spans, TYPES)
    text = " | ".join(got)
    for piece in expected:
        assert piece in text, got
    assert bool(got) == bool(expected)
