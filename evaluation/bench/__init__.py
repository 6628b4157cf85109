"""Benchmarks (speed, batch, engines, PDF, review app) and hostile inputs."""
