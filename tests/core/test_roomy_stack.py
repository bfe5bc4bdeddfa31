"""tasks/core/roomy_stack.py: the work runs as called, and its deep calls stop mapping stack chunks."""

from __future__ import annotations

import resource
import sys

import pytest

from tasks.core import roomy_stack


def _depth(n: int) -> int:
    return 0 if n == 0 else 1 + _depth(n - 1)


def _walks(depth: int, times: int) -> int:
    """Goes `depth` calls down and back `times` times: on CPython 3.11 each walk crosses a few
    16 KiB stack chunks, each crossing maps a chunk, touches it and unmaps it."""
    total = 0
    for _ in range(times):
        total += _depth(depth)
    return total


def _faults_of(fn, *args) -> int:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    fn(*args)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_call_returns_what_the_function_returns():
    assert roomy_stack.call(_depth, 300) == 300
    assert roomy_stack.call(dict, a=1, b=2) == {"a": 1, "b": 2}
    assert roomy_stack.call(sorted, [3, 1, 2], reverse=True) == [3, 2, 1]


def test_call_lets_exceptions_through_and_recursion_is_still_limited():
    with pytest.raises(ZeroDivisionError):
        roomy_stack.call(lambda: 1 / 0)
    with pytest.raises(RecursionError):
        roomy_stack.call(_depth, sys.getrecursionlimit() + 10)


def test_the_decorator_keeps_the_name_and_the_result():
    @roomy_stack.roomy
    def add(a: int, b: int = 2) -> int:
        """Adds."""
        return a + b

    assert add(1) == 3 and add(1, b=5) == 6
    assert add.__name__ == "add" and add.__doc__ == "Adds."


def test_the_trampoline_asks_for_a_stack_that_gets_a_chunk_of_its_own():
    code = roomy_stack._roomy_trampoline.__code__
    plain = roomy_stack._trampoline.__code__
    assert code.co_code == plain.co_code  # the same bytecode, only more room
    assert code.co_stacksize == plain.co_stacksize + roomy_stack.EXTRA_STACK_WORDS
    # 8 bytes a slot: more than half of 1 MiB with CPython's overhead, less than all of it
    words = code.co_stacksize + roomy_stack._CHUNK_OVERHEAD_WORDS
    assert 512 * 1024 < 8 * words < 1024 * 1024


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="CPython's frame stack")
def test_deep_loops_stop_mapping_stack_chunks():
    """The thing it is for, measured as the kernel sees it: page faults. Where this Python maps and
    unmaps a chunk per crossing (3.11, 3.12), walking 400 calls deep 3,000 times faults thousands
    of times; inside `call` it does not. A Python with the fix (gh-142183) faults little either
    way: nothing to show there."""
    _walks(400, 10)  # warm: the code is specialised, the interpreter's own chunks exist
    plain = _faults_of(_walks, 400, 3000)
    if plain < 1000:
        pytest.skip(f"this Python does not thrash its stack chunks ({plain} page faults)")
    roomy = _faults_of(roomy_stack.call, _walks, 400, 3000)
    assert roomy < plain / 10, (plain, roomy)
