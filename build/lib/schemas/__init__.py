"""Pandera models and the reporting form's contract (keys, labels, rules)."""
