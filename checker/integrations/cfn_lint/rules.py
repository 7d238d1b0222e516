"""pipelint's rules as cfn-lint rules: the module to name in cfn-lint's `--append-rules`.

    cfn-lint template.yaml --append-rules checker.integrations.cfn_lint.rules
    cfn-lint --append-rules=checker.integrations.cfn_lint.rules -- templates/*.yaml

(`--append-rules X template.yaml` would not do: the option takes every argument after it as another rules
path.) Or, in .cfnlintrc: `append_rules: [checker.integrations.cfn_lint.rules]`.

cfn-lint finds rules by looking through this module's attributes for its rule classes, so the generated
classes are put here as attributes. The ids are explained in `ids.py`; `python -m checker.integrations.cfn_lint`
prints them.
"""

from __future__ import annotations

from checker.integrations.cfn_lint import plugin

RULES = plugin.rule_classes(__name__)
globals().update({rule.__name__: rule for rule in RULES})

__all__ = ["RULES", *(rule.__name__ for rule in RULES)]
