"""What the drills show students: the multiple-choice options of D2 and D5, the (task, transform)
pairs of D3.1 and the view names.

The options are stored in alphabetical order and carry no mark of which ones are right (more
than one may be); each student sees them in their own order (``variant()['d2_order']``, ``['d5_order']``). The answer
key lives with the grader, not here.

D3.1's pairs come in slots of two; each student answers one pair of every slot
(``variant()['d3_pairs']``), so two students rarely answer the same eight. Whether a pair keeps
its label is not stored here either.
"""

from __future__ import annotations

VIEW_NAMES = ("identity", "hflip", "vflip", "hvflip")

D2_OPTIONS = tuple(sorted((
    "The validation transform is random, so each run scores a different set of inputs: the "
    "number is no longer a fixed function of the model. Use a deterministic validation "
    "transform (resize, centre crop, normalise).",
    "The model overfits the training set; add more augmentation to the validation loader so "
    "it matches the training loader.",
    "Validation accuracy always varies by a few percent between runs; average three runs and "
    "report the mean.",
    "The learning rate is too high; lower it until the validation accuracy stops moving.",
    "Scored on randomly augmented images, two checkpoints can swap places from one run to the "
    "next, so the best-looking one is partly luck; score every checkpoint on the same fixed, "
    "unaugmented images.",
)))
D5_OPTIONS = tuple(sorted((
    "The target encoder was fitted on rows whose labels it then scores, and SMOTE spread the "
    "leaked feature over new rows; fit the encoder and SMOTE inside each fold, on its training "
    "part only.",
    "SMOTE always overfits; use random oversampling instead and keep the rest as it is.",
    "Five folds are too few; use ten-fold cross-validation on the same encoded, resampled "
    "table.",
    "The public leaderboard is noisy; the cross-validated score is the one to trust.",
    "Here the cross-validated AUC does not estimate the leaderboard AUC: the labels of every "
    "fold's validation rows had already reached the features, through the encoder and SMOTE.",
)))

D3_PAIR_SLOTS = (
    (("handwritten digits", "vertical flip"),
     ("handwritten digits", "shift by up to a tenth of the image")),
    (("handwritten digits", "rotation by up to 10 degrees"),
     ("handwritten digits", "rotation by 180 degrees")),
    (("road signs: turn left / turn right", "horizontal flip"),
     ("road signs: turn left / turn right", "small change of brightness")),
    (("satellite land-cover tiles", "rotation by any angle"),
     ("satellite land-cover tiles", "vertical flip")),
    (("'b' vs 'd' characters", "horizontal flip"),
     ("'b' vs 'd' characters", "rotation by up to 10 degrees")),
    (("cat vs dog photos", "horizontal flip"),
     ("counting the people in a photo", "pasting in a patch of another photo (CutMix), count kept")),
    (("bird-call spectrograms", "small time shift"),
     ("spoken-word recognition", "playing the recording backwards")),
    (("reading the time on photos of analogue clocks", "horizontal flip"),
     ("traffic-light colour: red / green", "hue shift by a third of the colour wheel")),
)


def choices(options: tuple[str, ...], order: list[int]) -> list[str]:
    """The options as a student sees them: ``["a) ...", "b) ..."]`` in the variant's ``order``
    (a permutation of ``range(len(options))``)."""
    if sorted(order) != list(range(len(options))):
        raise ValueError(f"order: a permutation of 0..{len(options) - 1}, got {order!r}")
    return [f"{'abcde'[pos]}) {options[idx]}" for pos, idx in enumerate(order)]
