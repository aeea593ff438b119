"""The lab: benchmarks, evaluation and their data sets. It imports the library; the library never imports it."""
