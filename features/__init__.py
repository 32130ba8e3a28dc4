"""Pure feature builders: DataFrame in, DataFrame out, as of a cutoff; no file I/O."""
