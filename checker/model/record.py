"""The shape of every model class: a frozen dataclass with slots, pickled as a plain tuple of its fields.

Worker processes and the cache hand models back pickled, thousands of files' worth. The dataclass default
pickles a slots class through a list, and reads it back by looking up the class's fields again for every
object: three times slower than setting the fields from a tuple of their names worked out once.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, TypeVar

T = TypeVar("T", bound=type)


def record(*, kw_only: bool = False) -> Callable[[T], T]:
    def make(cls: T) -> T:
        built = dataclasses.dataclass(frozen=True, slots=True, kw_only=kw_only)(cls)
        names = tuple(f.name for f in dataclasses.fields(built))
        assign = object.__setattr__

        def __getstate__(self: Any) -> tuple:
            return tuple([getattr(self, name) for name in names])

        def __setstate__(self: Any, state: tuple) -> None:
            for name, value in zip(names, state):
                assign(self, name, value)

        built.__getstate__ = __getstate__  # type: ignore[attr-defined]
        built.__setstate__ = __setstate__  # type: ignore[attr-defined]
        return built

    return make
