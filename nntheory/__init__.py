"""nntheory: reproducible, falsifiable studies of neural-network theory in JAX.

Layers (see DESIGN.md): ``compat`` → ``nets`` → ``train`` / ``data`` → ``analysis`` →
``study`` → ``store`` → ``report`` → ``cli``. Import what you need, e.g.
``from nntheory import nets, train, data``.
"""

__version__ = "0.1.0"
