"""Atomic file writes: a reader never sees a half-written file."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def write_bytes(path: Path, data: bytes) -> None:
    """Write and fsync (callers rename the file into place)."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write under a temporary name in the same folder, then rename over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write_bytes(tmp, data.encode() if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
