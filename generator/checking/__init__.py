"""Scoring and checking one evaluation (and a unit's index), and its figures as a row."""
