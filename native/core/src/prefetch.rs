//! A hint to the CPU that some memory will be read soon, so that a cache miss is waited for
//! while other work goes on. Compiles to nothing where no prefetch instruction is known.

/// Asks for the cache line holding `*address` to be brought into every cache level.
/// Never faults and never changes what the program computes: any address may be given,
/// even one past the end of a slice or unmapped.
#[inline(always)]
pub fn prefetch_read<T>(address: *const T) {
    #[cfg(target_arch = "x86_64")]
    // One of the crate's two unsafe blocks (the lint denies the rest): a prefetch has no safe
    // form in core::arch.
    // SAFETY: PREFETCHT0 reads nothing architecturally: it cannot fault, whatever the address
    // (the manuals: "a prefetch to an invalid address does not raise an exception"), and SSE,
    // which it belongs to, is part of every x86_64 CPU.
    #[allow(unsafe_code)]
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(address.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefetching_any_address_is_harmless() {
        let values = [1u64, 2, 3];
        prefetch_read(values.as_ptr());
        prefetch_read(values.as_ptr().wrapping_add(1_000_000));
        prefetch_read(std::ptr::null::<u8>());
        assert_eq!(values, [1, 2, 3]);
    }
}
