"""Building over many files: the pipeline, its result cache, the fingerprints and manifest of incremental builds, and the staging of outputs."""
