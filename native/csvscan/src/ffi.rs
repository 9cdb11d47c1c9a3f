//! The C interface, used from Python through ctypes.
//!
//! Every call catches panics: a bug in the scanner makes the caller fall back to Arrow
//! instead of taking the process down. A scan is a heap object the caller owns: it
//! reads results through the pointers returned (valid until `csvscan_free`) and frees it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::scan::{Bail, Column, Key, Scan};

/// A scan of `columns` columns, each read as `kinds[i]` says; null if `kinds` is null.
///
/// # Safety
/// `kinds` must point to `columns` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn csvscan_new(
    kinds: *const u8,
    columns: usize,
    seed: u64,
    secret: u64,
) -> *mut Scan {
    if kinds.is_null() || columns == 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: the caller promises `columns` readable bytes at `kinds`.
    let kinds = unsafe { std::slice::from_raw_parts(kinds, columns) };
    match catch_unwind(|| Box::new(Scan::new(kinds, Key::new(seed, secret)))) {
        Ok(scan) => Box::into_raw(scan),
        Err(_) => std::ptr::null_mut(),
    }
}

/// Read on until `until` bytes of the `size` bytes at `data` are behind. Returns the
/// position reached (>= 0), or minus a `Bail` code.
///
/// # Safety
/// `scan` must come from `csvscan_new` and not be freed; `data` must point to `size`
/// readable bytes, the same bytes on every call for this scan.
#[no_mangle]
pub unsafe extern "C" fn csvscan_run(
    scan: *mut Scan,
    data: *const u8,
    size: usize,
    until: usize,
) -> i64 {
    if scan.is_null() || data.is_null() {
        return -(Bail::Panic as i64);
    }
    // SAFETY: the caller promises a live scan and `size` readable bytes at `data`.
    let (scan, data) = unsafe { (&mut *scan, std::slice::from_raw_parts(data, size)) };
    match catch_unwind(AssertUnwindSafe(|| scan.run(data, until))) {
        Ok(Ok(position)) => position as i64,
        Ok(Err(bail)) => -(bail as i64),
        Err(_) => -(Bail::Panic as i64),
    }
}

/// Rows read so far.
///
/// # Safety
/// `scan` must come from `csvscan_new` and not be freed.
#[no_mangle]
pub unsafe extern "C" fn csvscan_rows(scan: *const Scan) -> usize {
    // SAFETY: the caller promises a live scan.
    unsafe { scan.as_ref() }.map_or(0, |scan| scan.rows)
}

/// One column's results, for the caller to wrap as Arrow buffers without copying.
#[repr(C)]
pub struct ColumnView {
    /// 0 skipped, 1 text, 2 flag.
    pub kind: u8,
    pub nulls: usize,
    /// Text: the dictionary numbers (int32, one per row). Flag: the values bitmap.
    pub values: *const u8,
    pub values_bytes: usize,
    /// Validity bitmap, one bit per row.
    pub valid: *const u8,
    pub valid_bytes: usize,
    /// Text: the dictionary's int32 offsets (`words + 1` of them) and its UTF-8 bytes.
    pub words: usize,
    pub offsets: *const u8,
    pub data: *const u8,
    pub data_bytes: usize,
}

/// The results for column `index`; all zero if there is no such column.
///
/// # Safety
/// `scan` must come from `csvscan_new` and not be freed; `view` must be writable.
#[no_mangle]
pub unsafe extern "C" fn csvscan_column(scan: *const Scan, index: usize, view: *mut ColumnView) {
    // SAFETY: the caller promises a live scan and a writable view.
    let (Some(scan), Some(view)) = (unsafe { scan.as_ref() }, unsafe { view.as_mut() }) else {
        return;
    };
    *view = ColumnView {
        kind: 0,
        nulls: 0,
        values: std::ptr::null(),
        values_bytes: 0,
        valid: std::ptr::null(),
        valid_bytes: 0,
        words: 0,
        offsets: std::ptr::null(),
        data: std::ptr::null(),
        data_bytes: 0,
    };
    match scan.columns.get(index) {
        Some(Column::Text {
            dictionary,
            numbers,
            valid,
            nulls,
        }) => {
            view.kind = 1;
            view.nulls = *nulls;
            view.values = numbers.as_ptr().cast();
            view.values_bytes = numbers.len() * 4;
            view.valid = valid.bytes.as_ptr();
            view.valid_bytes = valid.bytes.len();
            view.words = dictionary.len();
            view.offsets = dictionary.offsets.as_ptr().cast();
            view.data = dictionary.data.as_ptr();
            view.data_bytes = dictionary.data.len();
        }
        Some(Column::Flag {
            values,
            valid,
            nulls,
            ..
        }) => {
            view.kind = 2;
            view.nulls = *nulls;
            view.values = values.bytes.as_ptr();
            view.values_bytes = values.bytes.len();
            view.valid = valid.bytes.as_ptr();
            view.valid_bytes = valid.bytes.len();
        }
        _ => {}
    }
}

/// Free a scan and everything it returned.
///
/// # Safety
/// `scan` must come from `csvscan_new` (or be null) and not be used again.
#[no_mangle]
pub unsafe extern "C" fn csvscan_free(scan: *mut Scan) {
    if !scan.is_null() {
        // SAFETY: the caller gives back a scan made by csvscan_new, once.
        drop(unsafe { Box::from_raw(scan) });
    }
}
