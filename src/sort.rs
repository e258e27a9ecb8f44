//! Sorting vectors of large values (incidents, board items) without moving
//! each value at every step of the sort: the indices are sorted, and the
//! values are then put in place once, by swaps.

/// Sorts `v` as `slice::sort_by` does (stable), moving each value once.
pub fn sort_by_moving_once<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> std::cmp::Ordering) {
    let mut from: Vec<usize> = (0..v.len()).collect();
    from.sort_by(|&a, &b| cmp(&v[a], &v[b]));
    permute(v, &from);
}

/// Reorders `v` in place so that `v[i]` is the element that was at
/// `from[i]` (`from`: a permutation of `0..v.len()`), by swaps along each
/// cycle: no element is copied and nothing is allocated but a bitmap.
pub fn permute<T>(v: &mut [T], from: &[usize]) {
    let mut done = vec![false; v.len()];
    for start in 0..v.len().min(from.len()) {
        let mut i = start;
        while !done[i] {
            done[i] = true;
            let j = from[i];
            if j == start || j >= v.len() {
                break;
            }
            v.swap(i, j);
            i = j;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn permute_puts_each_element_where_the_permutation_says(keys in proptest::collection::vec(0u8..20, 0..60)) {
            let mut from: Vec<usize> = (0..keys.len()).collect();
            from.sort_by_key(|&k| keys[k]);
            let mut v: Vec<String> = (0..keys.len()).map(|k| format!("item {k}")).collect();
            let want: Vec<String> = from.iter().map(|&k| v[k].clone()).collect();
            permute(&mut v, &from);
            proptest::prop_assert_eq!(v, want);
        }

        #[test]
        fn sorts_as_the_stable_sort_does(keys in proptest::collection::vec((0u8..8, proptest::prelude::any::<u16>()), 0..80)) {
            let mut want = keys.clone();
            want.sort_by_key(|a| a.0);
            let mut v = keys;
            sort_by_moving_once(&mut v, |a, b| a.0.cmp(&b.0));
            proptest::prop_assert_eq!(v, want);
        }
    }
}
