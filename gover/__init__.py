"""gover: a multi-version Go toolchain manager."""

__version__ = "0.1.0"
