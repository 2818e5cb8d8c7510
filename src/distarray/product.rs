//! Copying the elements at a product of per-axis index lists between two row-major
//! buffers: what roll and slice (the *remaps* in `exchange`) do to pack the elements one
//! engine sends another and to place them on arrival.
//!
//! Along the last axis the lists are cut into **runs**, stretches where both the source
//! and the destination index go up by one, and each run is one `copy_from_slice`; the
//! other axes are walked with an odometer. A roll or a slice of a block layout is a
//! handful of runs per row, so the copy moves whole rows at memory speed instead of
//! computing an offset per element.

/// Copies `src[src_lists product]` to `dst[dst_lists product]`, in row-major order of the
/// product: the `k`-th element of the product taken from `src` at the indices
/// `src_lists[a][i_a]` lands in `dst` at `dst_lists[a][i_a]`. `src_shape`/`dst_shape` are
/// the buffers' shapes; the lists along each axis have equal lengths and valid indices.
pub fn copy_product<T: Copy>(
    src: &[T],
    src_shape: &[usize],
    src_lists: &[&[usize]],
    dst: &mut [T],
    dst_shape: &[usize],
    dst_lists: &[&[usize]],
) {
    let ndim = src_shape.len();
    debug_assert_eq!(dst_shape.len(), ndim);
    debug_assert!((0..ndim).all(|a| src_lists[a].len() == dst_lists[a].len()));
    if ndim == 0 {
        if let (Some(&v), Some(d)) = (src.first(), dst.first_mut()) {
            *d = v;
        }
        return;
    }
    if src_lists.iter().any(|l| l.is_empty()) {
        return;
    }
    let (ss, ds) = (strides(src_shape), strides(dst_shape));
    let last = ndim - 1;
    let runs = runs(src_lists[last], dst_lists[last]);
    let mut index = vec![0usize; last];
    loop {
        let so: usize = (0..last).map(|a| src_lists[a][index[a]] * ss[a]).sum();
        let d0: usize = (0..last).map(|a| dst_lists[a][index[a]] * ds[a]).sum();
        for &(s, d, len) in &runs {
            dst[d0 + d..d0 + d + len].copy_from_slice(&src[so + s..so + s + len]);
        }
        // Next combination of the outer axes (odometer, last outer axis fastest).
        let mut a = last;
        loop {
            if a == 0 {
                return;
            }
            a -= 1;
            index[a] += 1;
            if index[a] < src_lists[a].len() {
                break;
            }
            index[a] = 0;
        }
    }
}

/// `(src start, dst start, length)` of the stretches of the two lists where both go up
/// by one.
fn runs(src: &[usize], dst: &[usize]) -> Vec<(usize, usize, usize)> {
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    for (&s, &d) in src.iter().zip(dst) {
        match out.last_mut() {
            Some((s0, d0, len)) if *s0 + *len == s && *d0 + *len == d => *len += 1,
            _ => out.push((s, d, 1)),
        }
    }
    out
}

/// Row-major strides (in elements) of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut st = vec![1; shape.len()];
    for a in (0..shape.len().saturating_sub(1)).rev() {
        st[a] = st[a + 1] * shape[a + 1];
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same copy one element at a time.
    fn naive<T: Copy>(src: &[T], ss: &[usize], sl: &[&[usize]], dst: &mut [T], ds: &[usize], dl: &[&[usize]]) {
        let n: usize = sl.iter().map(|l| l.len()).product();
        let (sst, dst_st) = (strides(ss), strides(ds));
        let mut idx = vec![0; ss.len()];
        for _ in 0..n {
            let so: usize = (0..ss.len()).map(|a| sl[a][idx[a]] * sst[a]).sum();
            let d: usize = (0..ss.len()).map(|a| dl[a][idx[a]] * dst_st[a]).sum();
            dst[d] = src[so];
            for a in (0..ss.len()).rev() {
                idx[a] += 1;
                if idx[a] < sl[a].len() {
                    break;
                }
                idx[a] = 0;
            }
        }
    }

    #[test]
    fn runs_cut_where_either_side_jumps() {
        assert_eq!(runs(&[0, 1, 2, 3], &[2, 3, 0, 1]), vec![(0, 2, 2), (2, 0, 2)]);
        assert_eq!(runs(&[0, 2, 4], &[0, 1, 2]), vec![(0, 0, 1), (2, 1, 1), (4, 2, 1)]);
        assert_eq!(runs(&[], &[]), vec![]);
    }

    #[test]
    fn matches_the_element_by_element_copy() {
        // A roll by 2 along the last axis and a strided slice of the first, 3-D.
        let (ss, ds) = ([4usize, 3, 5], [2usize, 3, 5]);
        let src: Vec<u32> = (0..60).collect();
        let a0: Vec<usize> = vec![1, 3];
        let b0: Vec<usize> = vec![0, 1];
        let a1: Vec<usize> = vec![0, 1, 2];
        let a2: Vec<usize> = (0..5).collect();
        let b2: Vec<usize> = (0..5).map(|g| (g + 2) % 5).collect();
        let (sl, dl): ([&[usize]; 3], [&[usize]; 3]) = ([&a0, &a1, &a2], [&b0, &a1, &b2]);
        let mut fast = vec![0u32; 30];
        let mut slow = vec![0u32; 30];
        copy_product(&src, &ss, &sl, &mut fast, &ds, &dl);
        naive(&src, &ss, &sl, &mut slow, &ds, &dl);
        assert_eq!(fast, slow);
        assert_eq!(&fast[..5], &[18, 19, 15, 16, 17]); // row 1 of axis 0, rolled by 2
                                                       // 1-d and 0-d.
        let mut out = vec![0u32; 3];
        copy_product(&src[..5], &[5], &[&[4, 0, 1]], &mut out, &[3], &[&[0, 1, 2]]);
        assert_eq!(out, [4, 0, 1]);
        let mut one = [0u32];
        copy_product(&[7u32], &[], &[], &mut one, &[], &[]);
        assert_eq!(one, [7]);
        // Nothing to copy.
        copy_product(&src, &ss, &[&[], &a1, &a2], &mut fast, &ds, &[&[], &a1, &b2]);
    }
}
