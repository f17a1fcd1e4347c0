"""Tools beside the pipeline: the blank reporting form writer and the sample inbox generator."""
