//! SplitMix64: a small generator whose state can be keyed by (seed, task, iteration),
//! so that any record of a run can be made again without those before it.

/// The increment of SplitMix64 (the golden ratio in 64 bits).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a 64-bit mix with no fixed structure.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A SplitMix64 generator (Steele, Lea and Flood; the seeder of Java's
/// `SplittableRandom`).
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose state depends on each of `parts`, in order.
    pub(crate) fn keyed(parts: &[u64]) -> Self {
        let state = parts
            .iter()
            .fold(GOLDEN, |state, part| mix(state ^ mix(part.wrapping_add(GOLDEN))));
        Rng { state }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// A number in `0..n` (0 when `n` is 0), by the high half of a 128-bit product.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One of `items`, which must not be empty.
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// `digits` decimal digits.
    pub(crate) fn digits(&mut self, digits: usize) -> String {
        (0..digits)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_generators_differ_by_each_part_and_repeat() {
        let a = Rng::keyed(&[1, 2, 3]).next_u64();
        assert_eq!(a, Rng::keyed(&[1, 2, 3]).next_u64());
        assert_ne!(a, Rng::keyed(&[1, 2, 4]).next_u64());
        assert_ne!(a, Rng::keyed(&[2, 1, 3]).next_u64());
        assert_ne!(a, Rng::keyed(&[0, 2, 3]).next_u64());
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = Rng::keyed(&[7]);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            let n = rng.below(10);
            assert!(n < 10);
            seen[n as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(rng.below(0), 0);
        let u = rng.unit();
        assert!((0.0..1.0).contains(&u));
    }
}
