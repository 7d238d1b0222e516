"""Benchmark: `pipelint lint` (all rules) over generated estates of CloudFormation pipeline templates, against
merely parsing the same files with PyYAML's C loader, and against cfn-lint.

    python benchmarks/bench.py                                   # N = 100, 1,000 and 10,000
    python benchmarks/bench.py --sizes 1000 --runs 5 --cfn-lint-sample 100

An estate of N templates is N/100 repositories of 100 templates each (160-310 lines). For each N it prints the
parse floor, pipelint with an empty cache (`--no-cache`: every file loaded, every rule run) and with a warm one
(the same command again), the throughput, and the peak memory of pipelint's largest process. Every figure is a
whole process (interpreter start included), timed `--runs` times alternately, medians compared. pipelint runs
with its default --jobs (the machine's cores); the floor is one process, as a parser is. cfn-lint lints a few
templates a second, so it runs once over the first `--cfn-lint-sample` files and is compared by throughput. Last,
one template in a fresh process, pipelint against cfn-lint, and the issue's targets checked.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# The floor: read every file and load it with PyYAML's C loader (tags constructed plainly, as a CloudFormation
# template needs), nothing else.
PYYAML_FLOOR = """
import sys, glob, yaml
class Loader(yaml.CSafeLoader):
    pass
def tagged(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)
Loader.add_multi_constructor("!", tagged)
count = 0
for path in sorted(glob.glob(sys.argv[1] + "/**/*.yaml", recursive=True)):
    with open(path, encoding="utf-8") as handle:
        yaml.load(handle.read(), Loader=Loader)
    count += 1
print(count)
"""

# Runs a command and prints the peak resident memory of the largest process it started (KiB, Linux).
PEAK = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    # run outside the checkout: `python -m checker` there would import the source tree, not the install measured
    start = time.perf_counter()
    result = subprocess.run(command, cwd=tempfile.gettempdir(), capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"benchmark command failed ({result.returncode}): {' '.join(command)}\n{result.stderr[-2000:]}")
    return elapsed


def peak_mb(command: list[str], env: dict[str, str]) -> float:
    result = subprocess.run([sys.executable, "-c", PEAK, *command], cwd=tempfile.gettempdir(), capture_output=True, text=True,
                            env=env, check=True)  # fmt: skip
    return int(result.stdout.strip()) / 1024


def cfn_lint(paths: list[Path]) -> float | None:
    """Seconds cfn-lint takes over these files, or None when it is not installed."""
    near = os.pathsep.join([os.path.dirname(sys.executable), str(ROOT / ".venv" / "bin")])
    command = shutil.which("cfn-lint") or shutil.which("cfn-lint", path=near)
    if command is None:
        return None
    start = time.perf_counter()
    subprocess.run([command, *map(str, paths)], cwd=ROOT, capture_output=True, text=True)  # exit codes 0-14 normal
    return time.perf_counter() - start


PYTHON = sys.executable  # the interpreter that runs pipelint and the floor (--python)


def measure(size: int, runs: int, folder: Path, env: dict[str, str]) -> dict[str, float]:
    estate = folder / f"estate-{size}"
    paths = write(estate, size, per_folder=100)
    lines = sum(p.read_text().count("\n") for p in paths) / size
    floor = [PYTHON, "-c", PYYAML_FLOOR, str(estate)]
    lint = [PYTHON, "-m", "checker", "lint", str(estate), "-f", "json", "-o", os.devnull, "--no-progress"]
    cold, warm = [*lint, "--no-cache"], lint
    timed(floor, env), timed(cold, env)  # the file cache and the bytecode, warmed
    floors, colds, warms = [], [], []
    cache = folder / f"cache-{size}"
    warm_env = {**env, "PIPELINT_CACHE_DIR": str(cache)}
    timed(warm, warm_env)  # fills the cache
    for _ in range(runs):
        floors.append(timed(floor, env))
        colds.append(timed(cold, env))
        warms.append(timed(warm, warm_env))
    shutil.rmtree(cache, ignore_errors=True)
    return {"size": size, "lines": lines, "floor": statistics.median(floors), "cold": statistics.median(colds),
            "warm": statistics.median(warms), "peak": peak_mb(cold, env), "paths": paths}  # fmt: skip


def one_template(folder: Path, env: dict[str, str], runs: int) -> tuple[float, float | None]:
    template = next(folder.glob("estate-*/repo-000/pipeline-00000.yaml"))
    command = [PYTHON, "-m", "checker", "lint", str(template), "--no-cache", "-o", os.devnull]
    ours = statistics.median(timed(command, env) for _ in range(max(runs, 15)))
    theirs = [cfn_lint([template]) for _ in range(3)]
    return ours, (statistics.median(theirs) if theirs[0] is not None else None)  # type: ignore[type-var]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000", help="estate sizes in templates (default 100,1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command (default 3)")
    parser.add_argument("--cfn-lint-sample", type=int, default=100, metavar="N",
                        help="cfn-lint lints the first N templates of the largest estate up to 1,000 (default 100; "
                             "-1: skip cfn-lint)")  # fmt: skip
    parser.add_argument("--python", default=sys.executable,
                        help="the Python whose pipelint is measured (default: this one). An editable install "
                             "(pip install -e) imports about 0.1 s slower than a regular one")  # fmt: skip
    args = parser.parse_args()
    global PYTHON
    PYTHON = args.python
    sizes = sorted(int(s) for s in args.sizes.split(","))
    env = {**os.environ, "PIPELINT_NO_CACHE": ""}
    env.pop("PIPELINT_NO_CACHE")
    jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with tempfile.TemporaryDirectory(prefix="pipelint-bench-") as directory:
        folder = Path(directory)
        results = [measure(size, args.runs, folder, env) for size in sizes]
        reference = [r for r in results if r["size"] <= 1000] or results
        sample = reference[-1]["paths"][: args.cfn_lint_sample] if args.cfn_lint_sample > 0 else []
        cfn_seconds = cfn_lint(sample) if sample else None
        single, single_cfn = one_template(folder, env, args.runs)
    print(f"{jobs} core(s); pipelint --jobs {jobs} (its default); {args.runs} runs each, medians; whole processes; "
          f"{PYTHON}")  # fmt: skip
    print(f"{'templates':>9} {'lines':>6} {'parse floor':>12} {'pipelint':>10} {'x floor':>8} {'templates/s':>12} "
          f"{'warm cache':>11} {'cold/warm':>10} {'peak MB':>8}")  # fmt: skip
    for r in results:
        print(f"{r['size']:>9} {r['lines']:>6.0f} {r['floor']:>10.2f} s {r['cold']:>8.2f} s {r['cold'] / r['floor']:>7.2f}x "
              f"{r['size'] / r['cold']:>12.0f} {r['warm']:>9.2f} s {r['cold'] / r['warm']:>9.1f}x {r['peak']:>8.0f}")  # fmt: skip
    by_size = {r["size"]: r for r in results}
    checks = []
    if 1000 in by_size and 10000 in by_size:
        growth = by_size[10000]["cold"] / by_size[1000]["cold"]
        print(f"scaling 1,000 -> 10,000 templates: pipelint x{growth:.2f}, parse floor "
              f"x{by_size[10000]['floor'] / by_size[1000]['floor']:.2f}")  # fmt: skip
        checks += [("time grows at most 11x from N=1,000 to N=10,000", growth <= 11),
                   ("peak memory at N=10,000 under 500 MB", by_size[10000]["peak"] < 500)]  # fmt: skip
    speedup = None
    if cfn_seconds is not None:
        ours = reference[-1]
        speedup = (cfn_seconds / len(sample)) / (ours["cold"] / ours["size"])
        print(f"cfn-lint: {len(sample)} templates in {cfn_seconds:.1f} s ({len(sample) / cfn_seconds:.1f} templates/s); "
              f"pipelint at N={ours['size']}: {ours['size'] / ours['cold']:.0f} templates/s, {speedup:.0f}x faster")  # fmt: skip
    else:
        print("cfn-lint: not run (not installed, or --cfn-lint-sample -1)")
    cfn_text = f"; cfn-lint {single_cfn:.2f} s ({single_cfn / single:.1f}x)" if single_cfn else ""
    print(f"one template, fresh process: pipelint lint {single:.3f} s{cfn_text}")
    if 1000 in by_size:
        r = by_size[1000]
        checks += [("N=1,000: within 2x of the parse floor", r["cold"] / r["floor"] <= 2),
                   ("N=1,000: warm cache at least 10x faster than cold", r["cold"] / r["warm"] >= 10)]  # fmt: skip
        if speedup is not None:
            checks.append(("N=1,000: at least 50x cfn-lint's throughput", speedup >= 50))
    checks.append(("one template under 300 ms", single < 0.3))
    for what, ok in checks:
        print(f"  [{'pass' if ok else 'FAIL'}] {what}")


if __name__ == "__main__":
    main()
