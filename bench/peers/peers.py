"""Ciw, SimPy and faultlab on the same M/M/c models (see run.sh).

Each simulator serves CUSTOMERS customers arriving as a Poisson process at
rate lambda into c exponential servers of rate mu each (FIFO, unbounded
queue), from an empty system. The mean response time (wait + service) is
compared with the M/M/c formula (Erlang C). Tolerance: 5%. At load 0.8 the
batch-means standard error of the mean over 200,000 customers is about 1-2.5%
(printed for Ciw and SimPy), so 5% is two to four standard errors; the
start-up transient from an empty system biases every simulator low by less
than 1% at this length. faultlab runs for customers / lambda seconds, so its
count of customers is Poisson around the same number.

Wall time is the simulation alone for Ciw and SimPy (inside Python), and the
whole process for faultlab (start-up, parsing, simulation, JSON output).
"""

import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

import ciw
import simpy

TOLERANCE = 0.05
MU = 1000.0  # per second: 1 ms mean service
MODELS = [("M/M/1", 1, 800.0), ("M/M/4", 4, 3200.0)]


def erlang_c_mean_response(c, lam, mu):
    """Mean time in an M/M/c system (seconds)."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    bottom = sum(a**k / math.factorial(k) for k in range(c)) + top
    wait = (top / bottom) / (c * mu - lam)
    return wait + 1 / mu


def batch_se(xs, batches=20):
    """Standard error of the mean by batch means."""
    n = len(xs) // batches
    means = [statistics.fmean(xs[i * n:(i + 1) * n]) for i in range(batches)]
    return statistics.stdev(means) / math.sqrt(batches)


def run_ciw(c, lam, customers, seed):
    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=lam)],
        service_distributions=[ciw.dists.Exponential(rate=MU)],
        number_of_servers=[c],
    )
    start = time.perf_counter()
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(customers, method="Finish")
    wall = time.perf_counter() - start
    records = sorted(sim.get_all_records(), key=lambda r: r.arrival_date)
    times = [r.waiting_time + r.service_time for r in records]
    return wall, len(times), statistics.fmean(times), batch_se(times)


def run_simpy(c, lam, customers, seed):
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=c)
    times = []
    done = env.event()

    def customer(arrived):
        with servers.request() as req:
            yield req
            yield env.timeout(rng.expovariate(MU))
        times.append(env.now - arrived)
        if len(times) == customers:
            done.succeed()

    def source():
        for _ in range(customers):
            yield env.timeout(rng.expovariate(lam))
            env.process(customer(env.now))

    start = time.perf_counter()
    env.process(source())
    env.run(until=done)
    wall = time.perf_counter() - start
    return wall, len(times), statistics.fmean(times), batch_se(times)


def run_faultlab(binary, c, lam, customers, seed):
    # The same customers on average: run for customers / lambda seconds.
    seconds = customers / lam
    scenario = f"""Scenario(
    version: 1,
    name: "M/M/{c}",
    seed: {seed},
    duration: "{seconds}s",
    window: "10s",
    nodes: {{
        "arrivals": Client(open: Poisson(per_second: {lam}), target: "server"),
        "server": Service(workers: {c}, work: Exponential(mean: "1ms")),
    }},
)
"""
    with tempfile.NamedTemporaryFile("w", suffix=".ron", delete=False) as f:
        f.write(scenario)
        path = f.name
    try:
        start = time.perf_counter()
        out = subprocess.run([binary, "run", path, "--json"], check=True,
                             capture_output=True, text=True).stdout
        wall = time.perf_counter() - start
    finally:
        os.unlink(path)
    summary = json.loads(out)
    return wall, summary["requests"]["ok"], summary["latency_ms"]["mean"] / 1e3, None


def main():
    binary, customers = sys.argv[1], int(sys.argv[2])
    print(f"{customers} customers per model, load 0.8, service mean 1 ms; "
          f"Ciw {ciw.__version__}, SimPy {simpy.__version__}, Python {sys.version.split()[0]}")
    print()
    header = (f"| model | simulator | customers | mean response (ms) | theory (ms) | "
              f"error | batch SE | wall (s) | × faultlab |")
    print(header)
    print("|" + "---|" * 9)
    ok = True
    for name, c, lam in MODELS:
        theory = erlang_c_mean_response(c, lam, MU)
        results = [
            ("faultlab", run_faultlab(binary, c, lam, customers, 1)),
            ("Ciw", run_ciw(c, lam, customers, 1)),
            ("SimPy", run_simpy(c, lam, customers, 1)),
        ]
        base_wall = results[0][1][0]
        for sim, (wall, served, mean, se) in results:
            error = mean / theory - 1
            ok &= abs(error) <= TOLERANCE
            se_text = "" if se is None else f"{se / theory:.1%}"
            print(f"| {name} | {sim} | {served} | {mean * 1e3:.3f} | {theory * 1e3:.3f} | "
                  f"{error:+.1%} | {se_text} | {wall:.2f} | {wall / base_wall:.1f} |")
    print()
    print("all agree with theory within 5%" if ok else "SOME RESULT IS OUTSIDE 5% OF THEORY")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
