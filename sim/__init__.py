"""Simulation: QEMU runner, trace player inputs, host pipeline and comparison."""
