"""Batch extraction: inputs, outputs and ledger, forked workers, the local and Ray engines."""
