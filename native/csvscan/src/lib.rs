//! Accord's fast path for reading plain CSV uploads (see `scan` for what it accepts and
//! `accord.datasets.csvscan` for how Python uses it).
//!
//! The parser, `scan`, forbids `unsafe` code. Three small modules hold the rest, each
//! block with its reason: `ffi` turns the caller's pointers into slices, `bits` loads 16
//! bytes at a time for vector compares, `pages` asks Linux for huge pages.

#![deny(clippy::undocumented_unsafe_blocks)]

mod bits;
pub mod ffi;
mod pages;
pub mod scan;
