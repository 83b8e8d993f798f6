//! Percentiles by bisection: the smallest `t ≥ 0` at which a non-increasing tail function
//! `P(X > t)` has fallen to a target. No allocation; about 60–110 evaluations of the tail.

/// Relative width at which bisection stops: percentiles to ~1e−10.
const REL_TOL: f64 = 1e-10;

/// Smallest `t ≥ 0` with `tail(t) ≤ target`, for a non-increasing `tail`.
///
/// `scale` is a rough size of the answer (a mean, say); the upper end of the bracket starts
/// there and doubles until the tail is below the target, then the bracket is halved until it is
/// narrower than 1e−10 of its upper end. Returns 0 when `tail(0) ≤ target` (an atom at zero,
/// such as the requests that never wait) and `+∞` when no finite bracket is found.
pub(crate) fn invert_tail(mut tail: impl FnMut(f64) -> f64, target: f64, scale: f64) -> f64 {
    if target.is_nan() || target <= 0.0 {
        return f64::INFINITY;
    }
    if tail(0.0) <= target {
        return 0.0;
    }
    let hi = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    invert_tail_between(tail, target, 0.0, hi)
}

/// As [`invert_tail`] when the answer is known to lie in [`lo`, `hi`] (the bracket is widened
/// by doubling if `hi` turns out too small). `tail(lo) > target` is assumed.
pub(crate) fn invert_tail_between(
    mut tail: impl FnMut(f64) -> f64,
    target: f64,
    lo: f64,
    hi: f64,
) -> f64 {
    let (mut lo, mut hi) = (lo, hi.max(lo));
    if hi <= lo {
        hi = if lo > 0.0 { 2.0 * lo } else { 1.0 };
    }
    let mut doublings = 0;
    while tail(hi) > target {
        lo = hi;
        hi *= 2.0;
        doublings += 1;
        if doublings > 2_000 || !hi.is_finite() {
            return f64::INFINITY;
        }
    }
    for _ in 0..200 {
        if hi - lo <= REL_TOL * hi {
            break;
        }
        let mid = 0.5 * (lo + hi);
        if tail(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverts_an_exponential_tail() {
        // P(X > t) = e^{-2t}: the 95th percentile is ln(20)/2.
        let t = invert_tail(|t| (-2.0 * t).exp(), 0.05, 0.5);
        assert!((t - 20f64.ln() / 2.0).abs() < 1e-9, "{t}");
    }

    #[test]
    fn atom_at_zero_gives_zero() {
        // P(X > t) = 0.3 e^{-t}: any percentile below 70 % is 0.
        assert_eq!(invert_tail(|t| 0.3 * (-t).exp(), 0.5, 1.0), 0.0);
        let p95 = invert_tail(|t| 0.3 * (-t).exp(), 0.05, 1.0);
        assert!((p95 - 6f64.ln()).abs() < 1e-9, "{p95}");
    }

    #[test]
    fn given_bracket_is_used_and_widened() {
        let tail = |t: f64| (-t).exp();
        let want = 100f64.ln();
        assert!((invert_tail_between(tail, 0.01, 4.0, 5.0) - want).abs() < 1e-9);
        assert!((invert_tail_between(tail, 0.01, 1.0, 2.0) - want).abs() < 1e-9);
    }

    #[test]
    fn tiny_scale_still_brackets() {
        let t = invert_tail(|t| (-t / 1e6).exp(), 0.01, 1e-9);
        assert!((t - 1e6 * 100f64.ln()).abs() < 1e-3, "{t}");
    }
}
