"""Fuzzing: the atheris target and the contract invariants it shares with the property tests."""
