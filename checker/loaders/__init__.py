"""Loaders: one per format, each turning a parsed file into the model. The list is explicit."""
