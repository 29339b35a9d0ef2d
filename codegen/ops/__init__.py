"""One lowering per op: turns an IR op into a kernel call with precomputed parameters."""
