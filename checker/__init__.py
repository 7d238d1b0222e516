"""pipelint: checks AWS deployment pipelines for safe multi-environment practice."""

__version__ = "0.1.0"
