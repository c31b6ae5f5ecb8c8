//! Cross-crate tests and benchmarks of ecomatch live in `tests/` and `benches/`.
