"""Op test cases: a generator of random single-op Keras models (opcases.py), the committed
packs with their provenance manifest (data/), and the runner the op tests share (harness.py)."""
