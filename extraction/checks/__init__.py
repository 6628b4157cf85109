"""Checks: the template's arithmetic and the prose's counts against the cells; never a change."""
