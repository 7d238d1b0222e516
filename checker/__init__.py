"""pipelint: checks AWS deployment pipelines for safe multi-environment practice."""

__version__ = "0.1.0"

# Third-party rule packs register their rules under this entry-point group (checker.rules.registry).
RULE_PACK_GROUP = "pipelint.rules"
