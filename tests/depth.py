"""How deep this run goes: `make test` (`-m "not exhaustive"`) or the whole suite (`make
test-all`, CI). The property tests whose examples are costly (a generated warehouse, a site, the
pages for every scope each) draw fewer examples in `make test`: the same assertions on fewer
worlds, the full number in the whole suite. Set by `tests/conftest.py` from pytest's `-m`."""

from __future__ import annotations

EXHAUSTIVE = True


def examples(exhaustive: int, quick: int) -> int:
    """The number of examples a property test draws in this run."""
    return exhaustive if EXHAUSTIVE else quick
