"""How long to train: epochs from a target number of optimizer steps, and warnings when the
training set is too small to learn from.

A fixed epoch count does not fit every data size: measured on the custom HR/clinic taxonomy,
2,000 documents learned every type in 2 epochs (250 steps of 16), while 219 documents in 2
epochs (28 steps) gave a student that found nothing, and the same 219 in 12 epochs (168 steps)
matched the teacher. What the student needs is optimizer steps, so by default the epoch count
is the smallest that reaches TARGET_STEPS, kept between MIN_EPOCHS and MAX_EPOCHS (past the
ceiling a tiny set is memorised, not learned: more epochs only cost time).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

TARGET_STEPS = 250  # the 2,000-document run's count, which learned every type
MIN_EPOCHS = 1
MAX_EPOCHS = 40
# 28 steps learned nothing in the measurements above; 70 (the tiny test set, lr 3e-4) was enough.
MIN_STEPS = 50
# Below these a student is unlikely to learn at all: the tiny test set (64 entity-rich
# documents, dozens of examples per type) is about the smallest that has worked.
MIN_TRAIN_DOCS = 50
MIN_SPANS_PER_TYPE = 20

RULE = (
    f"epochs for about {TARGET_STEPS} optimizer steps: ceil({TARGET_STEPS} / steps per epoch), "
    f"between {MIN_EPOCHS} and {MAX_EPOCHS}"
)


@dataclass(frozen=True)
class EpochPlan:
    epochs: int
    steps_per_epoch: int
    auto: bool  # chosen by the rule (no --epochs given)

    @property
    def steps(self) -> int:
        return self.epochs * self.steps_per_epoch

    def describe(self) -> str:
        how = f"auto: {RULE}" if self.auto else "--epochs"
        return f"{self.epochs} epochs x {self.steps_per_epoch} steps = {self.steps} optimizer steps ({how})"


def steps_per_epoch(windows: int, batch_size: int, world: int = 1) -> int:
    """As the training loop counts them: every worker takes the same number of batches."""
    if windows < 1 or batch_size < 1 or world < 1:
        raise ValueError(f"windows, batch size and workers must be at least 1 (got {windows}, {batch_size}, {world})")
    batches = math.ceil(windows / batch_size)
    return batches // world if world > 1 else batches


def plan_epochs(windows: int, batch_size: int, world: int = 1, epochs: int | None = None) -> EpochPlan:
    """`epochs` as given, or (None) the smallest count reaching TARGET_STEPS within the bounds."""
    per = steps_per_epoch(windows, batch_size, world)
    if epochs is not None:
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1 (got {epochs})")
        return EpochPlan(epochs, per, auto=False)
    if per == 0:  # fewer batches than workers: the training loop says so
        return EpochPlan(MIN_EPOCHS, per, auto=True)
    return EpochPlan(min(max(math.ceil(TARGET_STEPS / per), MIN_EPOCHS), MAX_EPOCHS), per, auto=True)


def training_warnings(plan: EpochPlan, docs: int, span_counts: Mapping[str, int], types: Sequence[str]) -> list[str]:
    """What makes this training unlikely to learn, each as one sentence naming the figures."""
    out: list[str] = []
    if docs < MIN_TRAIN_DOCS:
        out.append(
            f"only {docs} training documents (fewer than {MIN_TRAIN_DOCS}): too few to learn from; "
            "expect a student that finds little or nothing - give more documents"
        )
    if plan.steps < MIN_STEPS:
        fix = (
            "leave --epochs unset to train for enough steps, or give more documents"
            if not plan.auto
            else f"the epoch ceiling ({MAX_EPOCHS}) stops there: give more documents or a smaller --batch-size"
        )
        out.append(
            f"{plan.steps} optimizer steps (fewer than {MIN_STEPS}): students trained this little have learned "
            f"nothing (219 documents, 28 steps: recall 0 on every type); {fix}"
        )
    few = [f"{t} ({span_counts.get(t, 0)})" for t in types if span_counts.get(t, 0) < MIN_SPANS_PER_TYPE]
    if few:
        out.append(
            f"fewer than {MIN_SPANS_PER_TYPE} training examples of {', '.join(few)}: the student is unlikely "
            "to learn these types - add documents that hold them"
        )
    return out
