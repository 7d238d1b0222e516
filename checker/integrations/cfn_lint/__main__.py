"""`python -m checker.integrations.cfn_lint`: how to add pipelint's rules to cfn-lint, and their ids.

`--module` prints only the module to name in `--append-rules`; `--markdown` prints the id table the README
holds. Neither imports cfn-lint.
"""

from __future__ import annotations

import argparse
import sys

from checker.integrations.cfn_lint import INSTALL, RULES_MODULE, installed
from checker.integrations.cfn_lint.ids import specs, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checker.integrations.cfn_lint",
                                     description="pipelint's rules as cfn-lint custom rules.")  # fmt: skip
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--module", action="store_true", help=f"print only the module name ({RULES_MODULE})")
    shown.add_argument("--markdown", action="store_true", help="print the id table as Markdown (as in the README)")
    args = parser.parse_args(argv)
    if args.module:
        print(RULES_MODULE)
    elif args.markdown:
        print(table(), end="")
    else:
        print(_usage(), end="")
    return 0


def _usage() -> str:
    found = specs()
    width = max(len(spec.name) for spec in found)
    lines = [f"cfn-lint template.yaml --append-rules {RULES_MODULE}",
             f"cfn-lint --append-rules={RULES_MODULE} -- templates/*.yaml",
             f".cfnlintrc:  append_rules: [{RULES_MODULE}]", "",
             "Info-level ids (I9xxx) show with --include-checks I. PIPELINT_POLICY=FILE uses a policy pack.", ""]  # fmt: skip
    lines += [f"{spec.id}  {spec.name:<{width}}  {', '.join(spec.codes)}" for spec in found]
    if not installed():
        lines += ["", f"cfn-lint is not installed here: {INSTALL}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
