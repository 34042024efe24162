"""The shipped example project checks clean and builds for real."""
