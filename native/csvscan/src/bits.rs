//! Finding commas, line ends and quotes 64 bytes at a time.
//!
//! The one `unsafe` block outside the C interface is here: SSE2 compares and unaligned
//! 16-byte loads from a `&[u8; 64]`, whose bounds the type guarantees.

/// One bit per byte of `block` that is a comma, LF, CR or quote, lowest bit first.
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn special_bits(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut mask = 0u64;
    // SAFETY: SSE2 is part of every x86_64 CPU; each load reads bytes `part * 16` to
    // `part * 16 + 15` of `block`, inside its 64 (the load may be unaligned).
    unsafe {
        let comma = _mm_set1_epi8(b',' as i8);
        let line_feed = _mm_set1_epi8(b'\n' as i8);
        let carriage_return = _mm_set1_epi8(b'\r' as i8);
        let quote = _mm_set1_epi8(b'"' as i8);
        for part in 0..4 {
            let bytes = _mm_loadu_si128(block.as_ptr().add(part * 16).cast::<__m128i>());
            let hits = _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(bytes, comma),
                    _mm_cmpeq_epi8(bytes, line_feed),
                ),
                _mm_or_si128(
                    _mm_cmpeq_epi8(bytes, carriage_return),
                    _mm_cmpeq_epi8(bytes, quote),
                ),
            );
            mask |= (_mm_movemask_epi8(hits) as u16 as u64) << (part * 16);
        }
    }
    mask
}

/// One bit per byte of `block` that is a comma, LF, CR or quote, lowest bit first.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub fn special_bits(block: &[u8; 64]) -> u64 {
    let mut mask = 0u64;
    for (i, byte) in block.iter().enumerate() {
        let hit = (*byte == b',') | (*byte == b'\n') | (*byte == b'\r') | (*byte == b'"');
        mask |= (hit as u64) << i;
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::special_bits;

    #[test]
    fn finds_every_special_byte_in_every_position() {
        for position in 0..64 {
            for special in [b',', b'\n', b'\r', b'"'] {
                let mut block = [b'a'; 64];
                block[position] = special;
                assert_eq!(special_bits(&block), 1u64 << position);
            }
        }
        assert_eq!(special_bits(&[0u8; 64]), 0);
        assert_eq!(special_bits(&[255u8; 64]), 0);
    }
}
