"""Benchmark: `pipelint show` over N generated CloudFormation pipeline templates, against merely parsing the
same files with PyYAML's C loader. Both are timed as whole processes (interpreter start included), alternately,
in one run; the medians and their ratio are printed.

    python benchmarks/bench_load.py --templates 1000 --runs 5
"""

from __future__ import annotations

import argparse
import resource
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--templates", type=int, default=1000, help="how many templates to generate (default 1000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (default 5)")
    parser.add_argument("--format", default="json", choices=("json", "text"), help="pipelint show's output format")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pipelint-bench-") as directory:
        paths = write(Path(directory), args.templates)
        lines = sum(p.read_text().count("\n") for p in paths)
        floor = [sys.executable, "-c", PYYAML_FLOOR, directory]
        ours = [sys.executable, "-m", "checker", "show", directory, "--format", args.format, "--output", "/dev/null"]
        timed(floor), timed(ours)  # warm the file cache and the bytecode
        floor_times, our_times = [], []
        for _ in range(args.runs):
            floor_times.append(timed(floor))
            our_times.append(timed(ours))
        ratios = [o / f for o, f in zip(our_times, floor_times)]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    floor_median, our_median = statistics.median(floor_times), statistics.median(our_times)
    print(f"templates: {args.templates} ({lines / args.templates:.0f} lines on average), {args.runs} runs each, medians")
    print(f"PyYAML C loader parse only : {floor_median:7.3f} s  ({args.templates / floor_median:6.0f} templates/s)")
    print(f"pipelint show --format {args.format:4s}: {our_median:7.3f} s  ({args.templates / our_median:6.0f} templates/s)")
    print(f"ratio pipelint / parse     : {statistics.median(ratios):7.2f}x  (runs: {', '.join(f'{r:.2f}' for r in ratios)})")
    print(f"peak memory of a child     : {peak:7.0f} MB")


if __name__ == "__main__":
    main()
