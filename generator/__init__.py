"""jixiao: budget performance evaluations from YAML to checked, scored data."""
from .pipeline import Report, Result, process_file, run

__all__ = ["Report", "Result", "process_file", "run"]
