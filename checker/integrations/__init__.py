"""Bridges to other tools. Each imports its tool only on its own path, never when pipelint starts."""
