"""Model: traces, windows, training, int8 conversion, evaluation, the TFLM oracle.

Modules (each small, named for what it holds):
- `data`: the strict trace CSV parser (`read_trace_csv`) and dataset loader (`load_dataset`,
  `scan_dataset`), which reads `data.format = "counts"` itself and the other formats through
- `readers`: delimited tables and Edge Impulse JSON as published -> int16 sensor samples
  (units, offset, scale, timestamps resampled, label runs, blank-line / fixed-length splits).
- `summary`, `sniff`: `tinyfw data` (what the readers make of a dataset) and `tinyfw init`.
- `windows`: the firmware's sliding windows (`make_windows`, `window_starts`).
- `split`: train/validation/test split by recording (`split_recordings`, `held_out_recordings`).
- `preprocess`: the integer preprocessing specification (`PreprocessParams`,
  `preprocess_window`), mirrored by firmware/app/preprocess.c.
- `postprocess`: argmax / vote / threshold (`PostParams`, `PostProcessor`), mirrored by
  firmware/app/postprocess.c.
- `augment`, `net`, `quantize`, `train`: augmentation, the Keras network, full int8 conversion,
  and `train()` (writes model_float.keras, model_int8.tflite, report.json).
- `oracle`: TFLite Micro as the reference (`Oracle`).
- `evaluate`: accuracy, confusion matrices and `host_pipeline()` (what the firmware must print).
- `crossval`: k-fold cross-validation by recording (`tinyfw crossval`).

TensorFlow is imported only where a model is built or converted.
"""
