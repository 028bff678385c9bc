"""Runtime experiments ``make bench`` can switch on for our servers only, via BENCH_ENV (see the README)."""
