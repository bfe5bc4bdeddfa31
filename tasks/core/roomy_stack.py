"""Run deep, call-heavy work (WeasyPrint's layout, a whole command) on a roomy Python frame stack.

CPython 3.11 keeps the frames of Python calls in 16 KiB chunks that it maps from the kernel when a
call needs a new one and unmaps as soon as the call that opened it returns. Code that loops at a
depth where a chunk ends (WeasyPrint lays out every table cell through some 60 nested calls) maps
and unmaps a chunk on every iteration: for one part of the 1,000-unit report, 245,000 mmap and as
many munmap calls, 280,000 page faults and 1.6-1.9 s of system time in a 7.5 s render. This is
CPython issue gh-142183 ("Calls across stack chunks perform badly"); 3.13 and 3.14 cache one chunk
since 03/2026 (gh-145789), 3.11 and 3.12 will not get the fix.

`call` runs a function from a frame that asks for a large evaluation stack. Its frame then gets a
chunk of its own of 1 MiB, about half of which its own frame reserves (never written, so never
paged in) and the other half, some 500 KiB, is left for the calls below it: thousands of frames,
more than the recursion limit allows, so they never reach a chunk's end and nothing is mapped or
unmapped while the work runs. Measured on that part: 7.5 s -> 5.4 s, 37,000 page faults, 0.1 s of
system time, the same pages. On a Python with the fix it costs one mapping per call.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# CPython (Python/pystate.c, push_chunk): a frame of N words that does not fit the current chunk
# gets a new one of the smallest size 16 KiB * 2**k holding N + 1000 words (MINIMUM_OVERHEAD).
# A frame of 512 KiB / 8 - 1000 + 1 words therefore gets a chunk of 1 MiB: the frame's own slots
# are a little under half of it, the rest is room for the callees.
_CHUNK_OVERHEAD_WORDS = 1000
_HALF_CHUNK = 512 * 1024
EXTRA_STACK_WORDS = _HALF_CHUNK // 8 - _CHUNK_OVERHEAD_WORDS + 1


def _trampoline(fn, args, kwargs):
    return fn(*args, **kwargs)


def _roomy(function: Callable[..., object]) -> types.FunctionType:
    """`function` with its evaluation stack enlarged by EXTRA_STACK_WORDS slots (the bytecode is the
    same: a larger stack than the code needs is only reserved space)."""
    assert isinstance(function, types.FunctionType)
    code = function.__code__
    roomy = code.replace(co_stacksize=code.co_stacksize + EXTRA_STACK_WORDS)
    return types.FunctionType(roomy, function.__globals__, function.__name__)


_roomy_trampoline = _roomy(_trampoline)


def call(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """`fn(*args, **kwargs)`, its calls running in one roomy stack chunk (see the module's doc)."""
    return _roomy_trampoline(fn, args, kwargs)


def roomy(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator: every call of `fn` runs through `call`."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return _roomy_trampoline(fn, args, kwargs)

    return wrapper
