"""Code generation: .tflite reader, graph IR, quantization math, memory plan, C emission."""
