"""Shipped ONNX policies, their vocabularies and model cards (package data)."""
