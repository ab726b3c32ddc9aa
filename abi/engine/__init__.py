"""The runtime: channels over a shared file mapping (docs/spec.md sections 6-9).

Layers, each importing only those below it: the OS layer (``mapping``: files and
mappings; ``liveness``: the lock kinds; ``wake``: one backend per OS; ``native``: the
C library), then the ordering primitives (``ordering``: fences and the fused protocol
steps), then the channel (``channel``: create, attach and the protocol) and the C
engine's binding (``c_channel``), both behind one interface (``interface``).  Nothing
here imports the verification toolchain or the conformance harness.
"""

from abi.engine.channel import NORTH, SOUTH, Channel

__all__ = ["NORTH", "SOUTH", "Channel"]
