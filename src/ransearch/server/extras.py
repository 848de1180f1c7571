"""Optional libraries of the front ends: import one, or say which extra installs it."""

from __future__ import annotations

from typing import Any

from ransearch import RansearchError

__all__ = ["require_extra"]


def require_extra(module: str, extra: str) -> Any:
    """Import ``module`` or say which extra to install.

    Raises:
        RansearchError: the module is missing.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise RansearchError(f"{module} is not installed: pip install \"ransearch[{extra}]\"") from None
