"""Tools for policy writers: the formatter, the linter, the test runner with its coverage, and the
counterexample search for declared invariants (`dokpamo fmt`, `dokpamo lint`, `dokpamo test`)."""
