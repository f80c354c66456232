"""Everything nntheory knows about its dependencies' quirks lives in this package.

Only :mod:`nntheory.compat.neural_tangents` exists so far: import ``nt`` and ``stax`` from it,
never from ``neural_tangents`` directly.
"""
