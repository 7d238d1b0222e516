"""JSON Schemas of pipelint's machine-readable outputs, shipped with the package."""
