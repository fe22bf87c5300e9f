#!/usr/bin/env python3
"""The data-parallel cost model of docs/scaling.md: projected training throughput on 2-64 nodes.

    cost_model.py GRADIENT_BYTES STEP_SECONDS NODE_BATCH

A step on N nodes takes the compute of one node's batch plus one ring all-reduce of the gradients
(latentdiff-mpi does not overlap the two):

    t_allreduce(N) = 2 (N - 1) / N * bytes / bandwidth + 2 (N - 1) * latency

Weak scaling keeps NODE_BATCH per node (global batch N * NODE_BATCH); strong scaling keeps the
global batch at 8 * NODE_BATCH and gives each node 1/N of it, assuming compute linear in the batch
(optimistic for small per-node batches). Prints Markdown tables.
"""
import sys

NETWORKS = [("10 Gbit/s", 10e9 / 8, 25e-6), ("100 Gbit/s", 100e9 / 8, 5e-6)]
NODES = [1, 2, 4, 8, 16, 32, 64]


def allreduce(n, size, bandwidth, latency):
    return 0.0 if n == 1 else 2 * (n - 1) / n * size / bandwidth + 2 * (n - 1) * latency


def main():
    size, step, batch = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    print(f"gradients {size / 1e6:.2f} MB, compute {step * 1000:.0f} ms per step for {batch} latents per node\n")
    header = "| nodes | " + " | ".join(f"{name}: all-reduce ms, latents/s, efficiency" for name, _, _ in NETWORKS) + " |"
    for title, per_node in (("weak scaling", lambda n: step), ("strong scaling", lambda n: step * 8 / n)):
        global_batch = (lambda n: batch * n) if title == "weak scaling" else (lambda n: batch * 8)
        print(f"{title} (global batch {'%d x nodes' % batch if title == 'weak scaling' else batch * 8}):\n")
        print(header)
        print("|---:|" + "---|" * len(NETWORKS))
        for n in NODES:
            cells = []
            for _, bandwidth, latency in NETWORKS:
                comm = allreduce(n, size, bandwidth, latency)
                compute = per_node(n)
                rate = global_batch(n) / (compute + comm)
                cells.append(f"{comm * 1000:.2f} ms, {rate:,.0f}, {compute / (compute + comm):.0%}")
            print(f"| {n} | " + " | ".join(cells) + " |")
        print()


if __name__ == "__main__":
    main()
