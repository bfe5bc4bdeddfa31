"""Submodules that a dependency imports for features dxreport never calls, loaded at first use.

Great Expectations imports `scipy.stats` when it is imported (0.7-0.8 s of one core, a third of
its import), for an expectation and two metrics that dxreport's suites never use: the KL
divergence and the Kolmogorov-Smirnov tests. Those modules bind it with `from scipy import
stats`. `defer("scipy.stats")` registers the submodule beforehand as a lazy module (the
standard library's `importlib.util.LazyLoader`): the `from` import binds it without running it,
and the first attribute looked up on it runs it as a plain import would. Nothing changes for
code that uses it.

On Python 3.11 a plain `import scipy.stats` of a deferred module loads it at once: the import
machinery looks up the module's `__spec__`, and any attribute lookup loads a lazy module.
That costs nothing extra; only the `from` form is deferred. The first load of a lazy module is
not guarded against two threads on 3.11, so a submodule is only deferred where nothing in
dxreport uses it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading

_lock = threading.Lock()
_lazy_types: set[type] = set()  # the class of a deferred module until it runs (then a module's)


def defer(name: str) -> bool:
    """Make the dotted submodule `name` load at its first use. Returns True when it is now
    deferred. Nothing is done (False) when it is imported already, or when it or its package
    cannot be found: a later import then behaves as usual."""
    parent_name, _, child = name.rpartition(".")
    if not parent_name:
        raise ValueError(f"{name}: only a submodule can be deferred (its package is imported)")
    with _lock:
        if name in sys.modules:
            return False
        try:
            parent = importlib.import_module(parent_name)
            spec = importlib.util.find_spec(name)
        except ImportError:
            return False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return False
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)  # the lazy loader only arms the module
        _lazy_types.add(type(module))
        setattr(parent, child, module)  # what `from parent import child` finds
        return True


def is_loaded(name: str) -> bool:
    """Whether `name` has been imported and run (False for a deferred module not used yet)."""
    module = sys.modules.get(name)
    return module is not None and type(module) not in _lazy_types
