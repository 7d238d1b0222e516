"""The `pipelint` command line."""
