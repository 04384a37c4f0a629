"""Seeding for the text helpers: word-list operations use a private ``random.Random``."""

from __future__ import annotations

import random

import torch


def python_rng(generator=None) -> random.Random:
    """Turn ``generator`` into a private ``random.Random`` (the global one is never touched).

    ``None`` gives a fresh, OS-seeded stream; an int seeds a new stream; a ``random.Random``
    is used as it is (so successive calls continue its stream); a ``torch.Generator`` gives
    a stream seeded by one 63-bit draw from it.
    """
    if isinstance(generator, random.Random):
        return generator
    if generator is None:
        return random.Random()
    if isinstance(generator, int) and not isinstance(generator, bool):
        return random.Random(generator)
    if isinstance(generator, torch.Generator):
        seed = torch.randint(2**63 - 1, (1,), generator=generator, device=generator.device)
        return random.Random(int(seed))
    raise ValueError(
        "generator must be None, an int seed, a random.Random or a torch.Generator, "
        f"got {generator!r}"
    )
