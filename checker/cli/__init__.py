"""The `pipelint` command line."""

# --fail-on's choices, written out so that parsing the command line imports no model (a test keeps them equal
# to checker.model.Severity)
SEVERITIES = ("info", "low", "medium", "high", "critical")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2  # as checker.engine.report says them
