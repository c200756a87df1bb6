"""jixiao: budget performance evaluations from YAML to checked, scored data.

The package is laid out as the pipeline runs; each stage imports only from the
stages before it (tests/test_architecture.py keeps it so):

- `findings.py`, `quantities.py`: the vocabulary every stage speaks (findings,
  figures as written);
- `loading/`: YAML with positions (`loader.py`), the model (`model.py`) and the
  converter from one to the other (`schema.py`);
- `rules/`: forms and schemes (`registry.py`, `forms/`, `schemes/`), formula kinds
  (`formulas.py`);
- `project/`: the project (`project.py`), `site_config.yml` (`config.py`), the
  content tree (`tree.py`) and where each file lives in the output (`structure.py`);
- `checking/`: scoring (`scoring.py`) and every check of a file (`limits.py`,
  `checks.py`, `identities.py`) and of a unit's index (`bundles.py`); an evaluation's
  figures as a row (`summary.py`);
- `layout/`: the printed table as a grid of cells, documents as blocks;
- `building/`: the pipeline over many files (`pipeline.py`), its cache, the fingerprints
  and manifest of incremental builds, the staging of outputs;
- `render/`: the site, its theme, search and charts, open data (`export.py`), and
  printing (`printing/`: PDF and XLSX);
- `commands/` and `cli.py`: the `jixiao` commands.
"""
from .building.pipeline import Report, Result, process_file, run

__all__ = ["Report", "Result", "process_file", "run"]
