"""rlopt: a drop-in replacement for LLVM's ``opt`` whose pass pipeline is chosen by a learned policy."""

__version__ = "0.1.0"
