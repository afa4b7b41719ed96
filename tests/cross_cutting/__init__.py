"""Tests of the product as a whole rather than of one module: durability, privacy, fuzzing, the import graph,
and the deployment guide."""
