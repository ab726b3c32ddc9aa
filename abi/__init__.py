"""shm-signal: the shared-memory signalling ABI v1, its verifier and engine.

The public API: :class:`Channel` (the Python engine), :class:`CChannel` (the C
engine's binding; both implement :class:`ChannelInterface`), the fault codes and their
exceptions (:class:`ShmSignalFault`, with a class per code: :class:`ValidationFault`'s
``BadMagic`` ... in :mod:`abi.faults`, :class:`LocalityBusy`, :class:`PeerGone`'s
:class:`PeerDead` and :class:`PeerClosed`, which are also :class:`ConnectionError`,
:class:`WakeObjectForeign`), and the ABI's constants.  The engine is imported on first use, so the ABI
tools do not load it.
"""

from typing import TYPE_CHECKING, Any

from abi.faults import (
    AttachTimeout,
    Fault,
    LocalityBusy,
    PeerClosed,
    PeerDead,
    PeerGone,
    ShmSignalFault,
    ValidationFault,
    WakeObjectForeign,
)
from abi.features import Features
from abi.layout import (
    DESC_SIZE,
    FEATURE_LIVENESS_LOCK,
    FEATURE_NOTIFY_COUNT,
    FEATURE_WAITER_FLAG,
    FEATURE_WAKE_ADDRESS,
    FEATURE_WAKE_NAMED_EVENT,
    LOCALITY_NORTH,
    LOCALITY_SOUTH,
    MAGIC,
    VERSION,
    ShmSignalDesc,
    ShmSignalIrq,
)

if TYPE_CHECKING:
    from abi.engine.aio import wait_any_async
    from abi.engine.c_channel import CChannel
    from abi.engine.channel import Channel
    from abi.engine.group import ChannelGroup
    from abi.engine.interface import ChannelInterface
    from abi.engine.waitset import WaitSet, wait_any

__all__ = ["AttachTimeout", "DESC_SIZE", "FEATURE_LIVENESS_LOCK", "FEATURE_NOTIFY_COUNT",
           "FEATURE_WAITER_FLAG", "FEATURE_WAKE_ADDRESS", "FEATURE_WAKE_NAMED_EVENT", "Features",
           "LOCALITY_NORTH", "LOCALITY_SOUTH", "MAGIC", "VERSION", "CChannel", "Channel", "ChannelGroup",
           "ChannelInterface", "Fault", "LocalityBusy", "PeerClosed", "PeerDead", "PeerGone",
           "ShmSignalDesc", "ShmSignalFault", "ShmSignalIrq", "ValidationFault", "WaitSet",
           "WakeObjectForeign", "wait_any", "wait_any_async"]
__version__ = "0.1.0"

_LAZY = {"Channel": "abi.engine.channel", "ChannelGroup": "abi.engine.group",
         "CChannel": "abi.engine.c_channel", "ChannelInterface": "abi.engine.interface",
         "WaitSet": "abi.engine.waitset", "wait_any": "abi.engine.waitset",
         "wait_any_async": "abi.engine.aio"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'abi' has no attribute {name!r}")
