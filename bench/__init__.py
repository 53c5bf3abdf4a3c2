"""cdlink's benchmarks: speed claims measured side by side in one run (``make bench``)."""
