"""Compatibility: the C engine's binding moved to :mod:`abi.engine.c_channel`."""

from abi.engine.c_channel import CChannel, lib, supported_features

__all__ = ["CChannel", "lib", "supported_features"]
