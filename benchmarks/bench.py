"""Benchmark: `pipelint lint` (all rules) over N generated CloudFormation pipeline templates, against merely
parsing the same files with PyYAML's C loader, and against cfn-lint. All are timed as whole processes
(interpreter start included); pipelint and the parse floor alternately, `--runs` times each, medians compared.
cfn-lint lints a few templates a second, so it runs once over the first `--cfn-lint-sample` of the same files
(0: all of them) and the comparison is by throughput (templates/s).

    python benchmarks/bench.py --templates 1000 --runs 5 --cfn-lint-sample 100
    python benchmarks/bench.py --command show       # loading and analysis only
"""

from __future__ import annotations

import argparse
import resource
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
for path in sorted(glob.glob(sys.argv[1] + "/*.yaml")):
    with open(path, encoding="utf-8") as handle:
        yaml.load(handle.read(), Loader=Loader)
    count += 1
print(count)
"""


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"benchmark command failed ({result.returncode}): {' '.join(command)}\n{result.stderr[-2000:]}")
    return elapsed


def cfn_lint(paths: list[Path], sample: int) -> tuple[int, float] | None:
    """cfn-lint over the first `sample` files (all when 0): (files, seconds), or None when it is not installed."""
    command = shutil.which("cfn-lint")
    if command is None:
        return None
    chosen = paths[:sample] if sample else paths
    start = time.perf_counter()
    subprocess.run([command, *map(str, chosen)], cwd=ROOT, capture_output=True, text=True)  # exit codes 0-14 normal
    return len(chosen), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--templates", type=int, default=1000, help="how many templates to generate (default 1000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (default 5)")
    parser.add_argument("--command", default="lint", choices=("lint", "show"), help="what pipelint does (default lint)")
    parser.add_argument("--format", default="json", choices=("json", "text"), help="pipelint's output format")
    parser.add_argument("--cfn-lint-sample", type=int, default=100, metavar="N",
                        help="cfn-lint lints the first N templates (default 100; 0: all; -1: skip cfn-lint)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pipelint-bench-") as directory:
        paths = write(Path(directory), args.templates)
        lines = sum(p.read_text().count("\n") for p in paths)
        floor = [sys.executable, "-c", PYYAML_FLOOR, directory]
        ours = [sys.executable, "-m", "checker", args.command, directory, "--format", args.format, "--output", "/dev/null"]
        timed(floor), timed(ours)  # warm the file cache and the bytecode
        floor_times, our_times = [], []
        for _ in range(args.runs):
            floor_times.append(timed(floor))
            our_times.append(timed(ours))
        ratios = [o / f for o, f in zip(our_times, floor_times)]
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # before cfn-lint runs
        reference = cfn_lint(paths, args.cfn_lint_sample) if args.cfn_lint_sample >= 0 else None
    floor_median, our_median = statistics.median(floor_times), statistics.median(our_times)
    what = f"pipelint {args.command} --format {args.format}"
    print(f"templates: {args.templates} ({lines / args.templates:.0f} lines on average), {args.runs} runs each, medians")
    print(f"{'PyYAML C loader parse only':34s}: {floor_median:8.3f} s  ({args.templates / floor_median:6.0f} templates/s)")
    print(f"{what:34s}: {our_median:8.3f} s  ({args.templates / our_median:6.0f} templates/s)")
    print(f"{'ratio pipelint / parse':34s}: {statistics.median(ratios):8.2f}x  (runs: {', '.join(f'{r:.2f}' for r in ratios)})")
    if reference is not None:
        files, seconds = reference
        print(f"{f'cfn-lint on {files} of the templates':34s}: {seconds:8.3f} s  ({files / seconds:6.1f} templates/s)")
        speedup = (seconds / files) / (our_median / args.templates)
        print(f"{'pipelint speed-up over cfn-lint':34s}: {speedup:8.1f}x  (by throughput)")
    else:
        print("cfn-lint                          : not run (not installed, or --cfn-lint-sample -1)")
    print(f"{'peak memory (pipelint, parse)':34s}: {peak:8.0f} MB")


if __name__ == "__main__":
    main()
