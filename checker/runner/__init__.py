"""Running pipelint at estate scale: files loaded in parallel processes, a content-addressed cache, a progress
bar. The results are the same as a plain serial run's, byte for byte; only the time differs."""
