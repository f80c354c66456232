"""Benchmarks (scripts, not tests): each compares a toolkit path with the peer a researcher
would otherwise write, in the same run. `make bench` runs them all and writes
reports/benchmarks/{index.html, report.pdf, results.json}."""
