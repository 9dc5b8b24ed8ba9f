"""The Python half of `pnpm bench:sdk` (test/bench/sdk/sdk.bench.ts): what thoth's guard adds to
a no-op tool call through a real enforcer, one call at a time, as the TypeScript half measures
@thoth/sdk. Prints one JSON object of p50/p99 latencies in ms.

    python scripts/bench_guard.py <address> <tenant> <agent> <token> <samples> <warmup>
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from thoth import Thoth


def percentile(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * p / 100))]


def latency(sorted_ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": percentile(sorted_ms, 50),
        "p99_ms": percentile(sorted_ms, 99),
        "mean_ms": statistics.fmean(sorted_ms),
    }


def timed(call: Callable[[], Any], samples: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    out = []
    for _ in range(samples):
        t0 = time.perf_counter_ns()
        call()
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return sorted(out)


async def timed_async(call: Callable[[], Awaitable[Any]], samples: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        await call()
    out = []
    for _ in range(samples):
        t0 = time.perf_counter_ns()
        await call()
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return sorted(out)


def main() -> None:
    address, tenant, agent, token, samples_text, warmup_text = sys.argv[1:7]
    samples, warmup = int(samples_text), int(warmup_text)

    def noop(table: str, id: int) -> int:
        return id

    async def noop_async(table: str, id: int) -> int:
        return id

    def policy(transport: str) -> Thoth:
        return Thoth(
            address=address, tenant_id=tenant, agent_id=agent, agent_token=token, deadline_ms=2_000, transport=transport
        )

    results: dict[str, Any] = {}
    bare = timed(lambda: noop("contacts", 42), samples, warmup)
    results["bare_tool"] = latency(bare)
    for transport in ("stream", "unary"):
        thoth = policy(transport)
        thoth.client.connect()
        guarded = thoth.guard(
            noop,
            name="crm.read_contacts",
            risk="read",
            resource=lambda table, id: f"crm://{table}/{id}",
            credential="crm-api-key",
        )
        results[f"guard_{transport}"] = latency(timed(lambda g=guarded: g("contacts", 42), samples, warmup))  # type: ignore[misc]
        thoth.close()
    thoth = policy("stream")
    thoth.client.connect()
    guarded_async = thoth.guard(noop_async, name="crm.read_contacts", risk="read", credential="crm-api-key")
    results["guard_async_stream"] = latency(
        asyncio.run(timed_async(lambda: guarded_async("contacts", 42), samples, warmup))
    )
    thoth.close()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
