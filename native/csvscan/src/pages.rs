//! Asking Linux for 2 MiB pages for the big column buffers.

/// Ask for transparent huge pages over the whole 2 MiB pages inside `buffer`'s memory.
pub fn ask_for_huge_pages<T>(buffer: &mut Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        extern "C" {
            fn madvise(address: *mut u8, length: usize, advice: i32) -> i32;
        }
        const MADV_HUGEPAGE: i32 = 14;
        const HUGE: usize = 2 << 20;
        let start = buffer.as_mut_ptr() as usize;
        let end = start + buffer.capacity() * std::mem::size_of::<T>();
        let first = start.div_ceil(HUGE) * HUGE;
        let last = end / HUGE * HUGE;
        if last > first {
            // SAFETY: the range lies inside memory `buffer` owns; madvise only gives the
            // kernel a hint about it and changes no byte of it.
            unsafe {
                madvise(first as *mut u8, last - first, MADV_HUGEPAGE);
            }
        }
    }
}
