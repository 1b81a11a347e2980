"""Finding things in the coverage: the exact BM25 engine, the coverage index, and the answer, timeline
and sources pickers."""
