"""Ctrl-C that cannot be lost.

Python turns SIGINT into a KeyboardInterrupt in whatever code runs at that moment; when that is
a garbage-collection callback or a ``__del__`` (JAX registers one, ``_xla_gc_callback``), Python
prints "Exception ignored" and carries on, and the run would finish as if never interrupted.
Inside :func:`interruptible` the signal is also remembered (and its swallowed traceback not
printed), and :func:`check` (called by each sweep-point checkpoint and before a result is
published) raises it again. An error raised after the signal arrived is the interrupt's doing
(a KeyboardInterrupt inside ``zipfile``'s writer makes its ``close`` raise ValueError, which
hides the interrupt): it leaves the block as KeyboardInterrupt, chained to that error.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading

_seen = threading.Event()


def _on_sigint(signum, frame):
    _seen.set()
    raise KeyboardInterrupt


@contextlib.contextmanager
def interruptible():
    """Remember SIGINT for the duration (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _seen.clear()
    old = signal.signal(signal.SIGINT, _on_sigint)
    old_hook = sys.unraisablehook

    def hook(unraisable):  # the swallowed KeyboardInterrupt: remembered, so not printed
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            old_hook(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    except KeyboardInterrupt:
        raise
    except Exception as e:
        if _seen.is_set():  # raised on the interrupt's way out, masking it
            raise KeyboardInterrupt from e
        raise
    finally:
        signal.signal(signal.SIGINT, old)
        sys.unraisablehook = old_hook
        _seen.clear()


def interrupted() -> bool:
    """Whether SIGINT arrived inside the current :func:`interruptible` block."""
    return _seen.is_set()


def check() -> None:
    """Raise KeyboardInterrupt if SIGINT arrived, even if its first raise was swallowed."""
    if _seen.is_set():
        raise KeyboardInterrupt
