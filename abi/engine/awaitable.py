"""The asyncio methods both engines' channels share (:class:`Awaitable`).

They only delegate to :mod:`abi.engine.aio`, imported on first use: importing
asyncio costs about 20 ms, which a program that never awaits should not pay.
"""

from __future__ import annotations

from typing import Optional


class Awaitable:
    """``wait_async`` and ``poll_async`` for a channel of either engine."""

    async def wait_async(self, timeout: Optional[float] = None) -> bool:
        """:meth:`wait` for asyncio (:func:`abi.engine.aio.wait_async`): parks no
        thread of the loop."""
        from abi.engine import aio

        return await aio.wait_async(self, timeout)

    async def poll_async(self, timeout: Optional[float] = None) -> int:
        """:meth:`poll` for asyncio: the notifier runs on the loop's thread."""
        from abi.engine import aio

        return await aio.poll_async(self, timeout)
