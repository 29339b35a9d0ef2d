"""tinyfw: recorded sensor data to tested Cortex-M firmware."""

__version__ = "0.1.0"
