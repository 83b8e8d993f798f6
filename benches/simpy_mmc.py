#!/usr/bin/env python3
"""The M/M/c FCFS queue of `cargo bench --bench queue` (des_mmc_1e6) in SimPy, for comparison.

lambda = 9 /s, mu = 1 /s, c = 10 servers (rho = 0.9), 10^6 arrivals, the first 10 % discarded
as warm-up, mean wait and response time recorded per request (as capsim's DES does), and
arrivals per second of wall time printed at the end.

    pip install simpy
    python3 benches/simpy_mmc.py            # 10^6 arrivals
    python3 benches/simpy_mmc.py 200000     # fewer, for a quick look
"""

import random
import sys
import time

import simpy

LAMBDA = 9.0
MU = 1.0
SERVERS = 10


def run(n_arrivals: int, seed: int = 1) -> tuple[float, float, float]:
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    warmup = n_arrivals // 10
    waits: list[float] = []
    responses: list[float] = []

    def request(env, index):
        arrived = env.now
        with servers.request() as req:
            yield req
            started = env.now
            service = rng.expovariate(MU)
            yield env.timeout(service)
            if index >= warmup:
                waits.append(started - arrived)
                responses.append(env.now - arrived)

    def source(env):
        for i in range(n_arrivals):
            yield env.timeout(rng.expovariate(LAMBDA))
            env.process(request(env, i))

    env.process(source(env))
    env.run()
    return sum(waits) / len(waits), sum(responses) / len(responses), sorted(responses)[int(0.95 * len(responses))]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    start = time.perf_counter()
    wq, w, w95 = run(n)
    elapsed = time.perf_counter() - start
    print(f"SimPy {simpy.__version__}, M/M/{SERVERS} lambda={LAMBDA} mu={MU}: {n} arrivals in {elapsed:.2f} s")
    print(f"  mean wait {wq:.4f} s (Erlang C: 0.6687 s), mean response {w:.4f} s, p95 response {w95:.4f} s")
    print(f"  {n / elapsed:,.0f} arrivals/s")


if __name__ == "__main__":
    main()
