"""The interface every wake-up backend implements (docs/spec.md section 8)."""

from __future__ import annotations


class WakeBackend:
    """Parks the owner of a record and wakes it from the remote.

    ``word_address(locality)`` gives the address of a record's wait word;
    ``instance_id`` names kernel objects for backends that need names.
    """

    feature = 0
    name = "abstract"

    def wait(self, locality: int, expected: int, timeout: float) -> None:
        """Park until woken, until the wait word no longer holds ``expected`` (a
        native u32), or ``timeout`` seconds; spurious returns are allowed."""
        raise NotImplementedError

    def wake(self, locality: int) -> None:
        """Wake every waiter of ``locality``'s record."""
        raise NotImplementedError

    def close(self) -> None:
        pass
