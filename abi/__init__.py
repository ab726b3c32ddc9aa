"""shm-signal: the shared-memory signalling ABI v1, its verifier and engine."""

from .faults import Fault, ShmSignalFault
from .layout import DESC_SIZE, MAGIC, VERSION, ShmSignalDesc, ShmSignalIrq

__all__ = ["DESC_SIZE", "MAGIC", "VERSION", "Fault", "ShmSignalDesc", "ShmSignalFault",
           "ShmSignalIrq"]
__version__ = "0.1.0"
