"""Model: traces, windows, training, int8 conversion, evaluation, the TFLM oracle."""
