"""ecogov benchmarks; each ``bench_*.py`` module runs on its own (see docs/benchmarks.md)."""
