"""Training code for rlopt, installed as ``rlopt.training`` (needs the ``train`` extra)."""
