#!/usr/bin/env python3
"""LatentDiff vs PyTorch on the same workloads, interleaved, at 1 and 2 threads.

    benchmarks/setup_torch.sh            # once: CPU PyTorch into benchmarks/.venv
    benchmarks/run_comparison.py         # builds LatentDiff (release) and prints the table

For each thread count and workload it alternates the two engines (A B A B ..., --reps times each):
    .build/release/latentdiff bench --threads N --json --workload NAME
    benchmarks/.venv/bin/python benchmarks/torch_bench.py --threads N --json --workload NAME
Each call prints one JSON line {"workload", "threads", "unit", "median", "min", "max", "gflops"};
a row's value is the median over the calls of their medians. ratio = LatentDiff / PyTorch for
throughput units and PyTorch / LatentDiff for "ms", so ratio > 1 always means LatentDiff is faster.

Runs only Python's standard library (the PyTorch side runs in benchmarks/.venv).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LATENTDIFF = os.path.join(ROOT, ".build", "release", "latentdiff")
VENV_PYTHON = os.path.join(HERE, ".venv", "bin", "python")
TORCH_BENCH = os.path.join(HERE, "torch_bench.py")

WORKLOADS = [
    "vae-train-mnist",
    "vae-train-cifar10",
    "unet-train-mnist",
    "unet-train-cifar10",
    "unet-step-64",
    "ddim50-64-mnist",
    "dpm20-1-mnist",
    "pixel-train-cifar10",
]
UNITS = {  # the unit each workload reports in
    "vae-train-mnist": "images/s",
    "vae-train-cifar10": "images/s",
    "unet-train-mnist": "latents/s",
    "unet-train-cifar10": "latents/s",
    "unet-step-64": "ms",
    "ddim50-64-mnist": "images/s",
    "dpm20-1-mnist": "ms",
    "pixel-train-cifar10": "images/s",
}
LD_MISSING = "latentdiff bench not available"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_latentdiff() -> str | None:
    """Builds the CLI in release; returns None on success, else why it could not be built."""
    if shutil.which("swift") is None:
        return "swift not found"
    log("building LatentDiff: swift build -c release --product latentdiff")
    result = subprocess.run(["swift", "build", "-c", "release", "--product", "latentdiff"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        log(result.stdout[-4000:])
        return "swift build failed"
    return None


def latentdiff_has_bench() -> bool:
    if not os.access(LATENTDIFF, os.X_OK):
        return False
    try:
        result = subprocess.run([LATENTDIFF, "bench", "--help"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def run_json(command: list[str], workload: str, threads: int, timeout: float) -> tuple[dict | None, str]:
    """Runs one benchmark call; returns its JSON row for (workload, threads), or None and why."""
    try:
        result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s"
    except OSError as error:
        return None, str(error)
    for line in result.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if row.get("workload") == workload and int(row.get("threads", threads)) == threads \
                and isinstance(row.get("median"), (int, float)):
            return row, ""
    tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
    return None, f"exit {result.returncode}: {tail[:200]}"


def ratio(unit: str, ld: float | None, pt: float | None) -> float | None:
    """> 1 means LatentDiff is faster: LD/PT for throughput, PT/LD for times."""
    if ld is None or pt is None or ld <= 0 or pt <= 0:
        return None
    return pt / ld if unit == "ms" else ld / pt


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value:.0f}"
    if value >= 100:
        return f"{value:.1f}"
    return f"{value:.2f}"


def machine_description() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
            f.seek(0)
            flags = next((l for l in f if l.startswith("flags")), "")
        listed = flags.split()
        if "avx512f" in listed:
            model += ", AVX-512"
        elif "avx2" in listed:
            model += ", AVX2"
        wanted = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile"]
        model += " (flags: " + " ".join(f for f in wanted if f in listed) + ")"
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}; "
            f"LatentDiff kernel path: {kernel_path()}")


def kernel_path() -> str:
    """The kernel path LatentDiff's bench runs on (`latentdiff version --verbose`)."""
    try:
        result = subprocess.run([LATENTDIFF, "version", "--verbose"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, timeout=60)
        for line in result.stdout.splitlines():
            if line.startswith("products:"):
                return line.split("(", 1)[1].split(" ", 1)[0] if "(" in line else "?"
    except (OSError, subprocess.TimeoutExpired):
        pass
    return "?"


def torch_version() -> str:
    try:
        result = subprocess.run([VENV_PYTHON, "-c", "import torch; print(torch.__version__)"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, timeout=120)
        return result.stdout.strip() or "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def git_commit() -> str:
    try:
        result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        return result.stdout.strip() or "?"
    except OSError:
        return "?"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3, help="calls per engine per row, alternating (default 3)")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--workload", action="append", choices=WORKLOADS,
                        help="only this workload (repeatable; default all)")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    parser.add_argument("--no-build", action="store_true", help="use the existing .build/release/latentdiff")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per call (default 1800)")
    args = parser.parse_args()
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    try:
        thread_counts = [int(t) for t in args.threads.split(",") if t.strip()]
    except ValueError:
        parser.error("--threads takes comma-separated integers")
    workloads = args.workload or WORKLOADS

    if not os.access(VENV_PYTHON, os.X_OK):
        log(f"{VENV_PYTHON} not found: run benchmarks/setup_torch.sh first")
        return 2

    started = datetime.datetime.now().astimezone()
    load_before = load_average()
    why_no_ld = None if args.no_build else build_latentdiff()
    if why_no_ld is None and not latentdiff_has_bench():
        why_no_ld = "no `latentdiff bench` command"
    if why_no_ld:
        log(f"{LD_MISSING} ({why_no_ld}): the LatentDiff column stays empty")

    rows = []
    for threads in thread_counts:
        for workload in workloads:
            ld_values: list[float] = []
            pt_values: list[float] = []
            ld_unit = pt_unit = None
            notes: list[str] = []
            for rep in range(args.reps):
                if not why_no_ld:  # A: LatentDiff
                    row, why = run_json([LATENTDIFF, "bench", "--threads", str(threads), "--json",
                                         "--workload", workload], workload, threads, args.timeout)
                    if row is None:
                        log(f"  latentdiff {workload} t={threads}: {why}")
                        notes.append(f"{LD_MISSING}: {why}")
                    else:
                        ld_values.append(float(row["median"]))
                        ld_unit = row.get("unit")
                # B: PyTorch
                row, why = run_json([VENV_PYTHON, TORCH_BENCH, "--threads", str(threads), "--json",
                                     "--workload", workload], workload, threads, args.timeout)
                if row is None:
                    log(f"  pytorch {workload} t={threads}: {why}")
                    notes.append(f"pytorch failed: {why}")
                else:
                    pt_values.append(float(row["median"]))
                    pt_unit = row.get("unit")
                log(f"{workload} threads={threads} rep {rep + 1}/{args.reps}: "
                    f"latentdiff {fmt(ld_values[-1]) if len(ld_values) == rep + 1 else '-'}, "
                    f"pytorch {fmt(pt_values[-1]) if len(pt_values) == rep + 1 else '-'}")
            unit = UNITS[workload]
            units_agree = True
            for engine, got in (("latentdiff", ld_unit), ("pytorch", pt_unit)):
                if got is not None and got != unit:
                    notes.append(f"{engine} reported unit {got!r}, expected {unit!r}: no ratio")
                    units_agree = False
            if why_no_ld:
                notes.insert(0, LD_MISSING)
            ld = statistics.median(ld_values) if ld_values else None
            pt = statistics.median(pt_values) if pt_values else None
            r = ratio(unit, ld, pt) if units_agree else None
            rows.append([workload, str(threads), unit, fmt(ld), fmt(pt), "-" if r is None else f"{r:.2f}",
                         "; ".join(dict.fromkeys(notes))])

    header = ["workload", "threads", "unit", "LatentDiff median", "PyTorch median", "ratio", "note"]
    if args.markdown:
        print(f"Date: {started.strftime('%Y-%m-%d %H:%M %Z')}. Machine: {machine_description()}. "
              f"Commit {git_commit()}, PyTorch {torch_version()}. {args.reps} alternating calls per engine and row "
              f"(median of their medians). Load average before/after: {load_before} / {load_average()}.")
        print(f"Command: `benchmarks/run_comparison.py {' '.join(sys.argv[1:])}`.")
        print("Ratio > 1 means LatentDiff is faster (LatentDiff/PyTorch for throughput, PyTorch/LatentDiff for ms).")
        print()
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(["---", "---:", "---", "---:", "---:", "---:", "---"]) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
        right = {1, 3, 4, 5}
        def line(cells: list[str]) -> str:
            return "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i])
                             for i, c in enumerate(cells)).rstrip()
        print(line(header))
        print(line(["-" * w for w in widths]))
        for row in rows:
            print(line(row))
        print(f"ratio > 1: LatentDiff faster. {machine_description()}; load average before/after "
              f"{load_before} / {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
