"""Chirp's benchmark suite: the load runner (``python -m bench.run``), its ceiling app and
the micro-benchmarks. See README "Benchmarks"."""
