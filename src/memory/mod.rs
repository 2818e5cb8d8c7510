//! Big buffers: asking the kernel for transparent huge pages before they are first
//! touched. On this kind of machine a fresh 80 MB buffer written through 4 KiB page
//! faults costs as much as the copy into it; with 2 MiB pages the faults almost vanish.
//! Shared by `nd` (new shards), `protocol` (decoded arrays) and the MPI transport (its
//! encode buffers). Advice only: a kernel that refuses changes nothing.
//!
//! [`cache`] is the process's allocator: big blocks freed wait a moment for the next
//! request of their size instead of going back to the kernel.

pub mod cache;

/// Buffers at least this large are advised to use huge pages.
pub const HUGE_PAGE_MIN: usize = 4 << 20;

#[cfg(target_os = "linux")]
extern "C" {
    fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: std::ffi::c_int) -> std::ffi::c_int;
}

/// Asks for huge pages on the 2 MiB-aligned part of `v`'s elements.
pub fn advise_huge_pages<T>(v: &mut [T]) {
    advise_range(v.as_mut_ptr() as usize, std::mem::size_of_val(v));
}

/// Asks for huge pages on the 2 MiB-aligned part of `v`'s whole allocation, including
/// capacity not yet written (call it right after `Vec::with_capacity`).
pub fn advise_capacity<T>(v: &mut Vec<T>) {
    advise_range(v.as_mut_ptr() as usize, v.capacity() * std::mem::size_of::<T>());
}

/// Asks for huge pages on the 2 MiB-aligned part of the `bytes` bytes at `start` (an
/// address inside one allocation; nothing there is read or written).
pub fn advise_range(start: usize, bytes: usize) {
    if bytes < HUGE_PAGE_MIN {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        const MADV_HUGEPAGE: std::ffi::c_int = 14;
        let aligned = start.next_multiple_of(HUGE);
        let end = (start + bytes) / HUGE * HUGE;
        if end > aligned {
            // SAFETY: the range lies inside an allocation the caller borrows mutably;
            // MADV_HUGEPAGE changes no contents and cannot fail in a way that matters.
            unsafe {
                madvise(aligned as *mut std::ffi::c_void, end - aligned, MADV_HUGEPAGE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_leaves_contents_alone() {
        let mut v: Vec<u64> = Vec::with_capacity(1 << 20);
        advise_capacity(&mut v);
        v.extend(0..1 << 20);
        advise_huge_pages(&mut v);
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64));
    }
}
