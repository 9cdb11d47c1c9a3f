//! Accord's fast path for reading plain CSV uploads (see `scan` for what it accepts).
//!
//! Loaded by `accord.datasets.csvscan` through ctypes; the C functions are in `ffi`, the
//! only module with `unsafe` code (turning the caller's pointers into slices).

mod bits;
pub mod ffi;
pub mod scan;
