"""Running the rules: one evaluation per rule × pipeline, suppressions and exemptions, the Report."""
