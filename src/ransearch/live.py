"""Old name of :mod:`ransearch.serving` (``LiveEngine`` is :class:`~ransearch.serving.ServingEngine`),
kept until the front ends import the new one."""

from ransearch.serving import DEFAULT_INTERVAL, OPTIONAL_OPERATIONS, ServingEngine, capabilities

LiveEngine = ServingEngine

__all__ = ["LiveEngine", "DEFAULT_INTERVAL", "OPTIONAL_OPERATIONS", "capabilities"]
