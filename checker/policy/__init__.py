"""Policy packs: which rules run, how severe they are, their settings, exemptions and compliance frameworks.

`checker.policy.model` holds what the engine uses; `checker.policy.load` reads and validates a pack. Nothing is
imported here, so that importing the model does not pull in the loader (and the loader not jsonschema).
"""
