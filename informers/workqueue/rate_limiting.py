"""A delaying queue whose delays come from a rate limiter (client-go
``rate_limiting_queue.go``)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TypeVar

from informers.clock import Clock
from informers.workqueue.delaying import DelayingQueue
from informers.workqueue.rate_limiters import RateLimiter, default_controller_rate_limiter

__all__ = ["RateLimitingQueue"]

T = TypeVar("T", bound=Hashable)


class RateLimitingQueue(DelayingQueue[T]):
    """A :class:`DelayingQueue` whose retry delays come from a :class:`RateLimiter`."""

    def __init__(self, rate_limiter: RateLimiter | None = None, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.rate_limiter = rate_limiter or default_controller_rate_limiter(clock)

    def add_rate_limited(self, item: T) -> None:
        """Retry ``item`` after the limiter's delay (each call counts as one failure)."""
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: T) -> None:
        """``item`` succeeded: reset its backoff (it is not removed from the queue)."""
        self.rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        return self.rate_limiter.num_requeues(item)
