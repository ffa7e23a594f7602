//! Deterministic pseudo-random numbers for the synthesiser.
//!
//! The generator promises "same options → same bytes", across crate versions and machines.
//! So the generators are written here rather than taken from `rand` (whose streams may change
//! between versions), and the distributions avoid the platform's `ln`/`exp` (libm results may
//! differ in the last bit between platforms): [`det_ln`] and [`det_exp`] use only IEEE
//! operations that are exactly rounded (+, −, ×, ÷), so they give the same bits everywhere.

/// SplitMix64 (Steele, Lea, Flood 2014): used to expand one seed into generator states.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }
}

/// SplitMix64's output function: a good 64-bit hash of a counter or a key.
pub fn mix64(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** (Blackman, Vigna 2018): the generator's random stream.
#[derive(Clone, Debug)]
pub struct Rng {
    state: [u64; 4],
}

impl Rng {
    pub fn from_seed(seed: u64) -> Self {
        let mut expander = SplitMix64::new(seed);
        let state = [expander.next_u64(), expander.next_u64(), expander.next_u64(), expander.next_u64()];
        Rng { state }
    }

    #[cfg(test)]
    fn from_state(state: [u64; 4]) -> Self {
        Rng { state }
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    pub fn next_u16(&mut self) -> u16 {
        (self.next_u64() >> 48) as u16
    }

    /// A value in `0..bound` (0 when `bound` is 0), by Lemire's multiply-shift. The bias
    /// (below 2^-32 for the bounds used here) does not matter for traffic synthesis.
    pub fn below(&mut self, bound: u64) -> u64 {
        ((self.next_u64() as u128 * bound as u128) >> 64) as u64
    }

    /// A value in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        debug_assert!(low <= high);
        low + self.below(high - low + 1)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [low, high).
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// Exponentially distributed with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        // 1 - unit() is in (0, 1], so the logarithm is finite.
        -mean * det_ln(1.0 - self.unit())
    }

    /// Standard normal, by Marsaglia's polar method (needs only ln and sqrt, both exact here).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.unit() - 1.0;
            let v = 2.0 * self.unit() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * det_ln(s) / s).sqrt();
            }
        }
    }

    /// Log-normal with the given median and shape (σ of the underlying normal).
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * det_exp(sigma * self.normal())
    }

    /// Log-normal clamped to [low, high]: sizes and durations with a realistic tail but no
    /// absurd extremes.
    pub fn lognormal_clamped(&mut self, median: f64, sigma: f64, low: f64, high: f64) -> f64 {
        self.lognormal(median, sigma).clamp(low, high)
    }

    /// Index in `0..len` skewed towards 0 (`unit^power`): a few hosts and servers are busy,
    /// most are quiet, as in real networks.
    pub fn skewed_index(&mut self, len: u64, power: u32) -> u64 {
        let u = self.unit();
        let skewed = u.powi(power as i32);
        ((skewed * len as f64) as u64).min(len.saturating_sub(1))
    }

    /// A new independent stream, derived from this one.
    pub fn fork(&mut self) -> Rng {
        Rng::from_seed(self.next_u64())
    }
}

// ln 2 split in two (Cody and Waite): the high part has trailing zero bits, so k·LN_2_HIGH is
// exact for the |k| < 2048 used here, and range reduction loses no precision.
const LN_2_HIGH: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN_2_LOW: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// Natural logarithm of a positive, finite, normal `x`, bit-identical on every platform.
/// Returns −∞ for 0 and NaN for negative or non-finite input.
pub fn det_ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 || x.is_infinite() {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    let (mut mantissa, mut exponent) = if x < f64::MIN_POSITIVE {
        // Subnormal: scale into the normal range first.
        let scaled = x * (1u64 << 54) as f64;
        split_exponent(scaled, -54)
    } else {
        split_exponent(x, 0)
    };
    // Keep the mantissa in [√½, √2) so the series below converges fast.
    if mantissa > std::f64::consts::SQRT_2 {
        mantissa *= 0.5;
        exponent += 1;
    }
    // ln(m) = 2·atanh(s) with s = (m − 1)/(m + 1), |s| ≤ 0.172: 12 terms reach 1e-19.
    let s = (mantissa - 1.0) / (mantissa + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    for k in 0..12 {
        sum += term / (2 * k + 1) as f64;
        term *= s2;
    }
    exponent as f64 * LN_2_HIGH + (exponent as f64 * LN_2_LOW + 2.0 * sum)
}

/// `x = mantissa · 2^exponent` with the mantissa in [1, 2).
fn split_exponent(x: f64, exponent_bias: i64) -> (f64, i64) {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1023 + exponent_bias;
    let mantissa = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    (mantissa, exponent)
}

/// e^x, bit-identical on every platform; saturates to 0 and f64::MAX outside ±700.
pub fn det_exp(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let x = x.clamp(-700.0, 700.0);
    // x = k·ln2 + r with |r| ≤ ln2/2; e^r by its Taylor series (20 terms: error < 1e-20).
    let k = (x / std::f64::consts::LN_2).round();
    let r = (x - k * LN_2_HIGH) - k * LN_2_LOW;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=20 {
        term *= r / n as f64;
        sum += term;
    }
    // 2^k is exact as a float for |k| ≤ 1010.
    let power_of_two = f64::from_bits(((k as i64 + 1023) as u64) << 52);
    sum * power_of_two
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_stream() {
        // Reference values: Vigna's splitmix64.c (prng.di.unimi.it), seeded with 0,
        // compiled with gcc and printed with %016llx.
        let mut generator = SplitMix64::new(0);
        assert_eq!(generator.next_u64(), 0xe220a8397b1dcdaf);
        assert_eq!(generator.next_u64(), 0x6e789e6aa1b965f4);
        assert_eq!(generator.next_u64(), 0x06c45d188009454f);
    }

    #[test]
    fn xoshiro256starstar_matches_the_reference_stream() {
        // Reference values: Vigna's xoshiro256starstar.c with s = {1, 2, 3, 4},
        // compiled with gcc and printed with %llu.
        let mut rng = Rng::from_state([1, 2, 3, 4]);
        assert_eq!(rng.next_u64(), 11520);
        assert_eq!(rng.next_u64(), 0);
        assert_eq!(rng.next_u64(), 1509978240);
        assert_eq!(rng.next_u64(), 1215971899390074240);
    }

    #[test]
    fn same_seed_same_stream_and_different_seed_different_stream() {
        let mut a = Rng::from_seed(42);
        let mut b = Rng::from_seed(42);
        let mut c = Rng::from_seed(43);
        let from_a: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let from_b: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let from_c: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(from_a, from_b);
        assert_ne!(from_a, from_c);
    }

    #[test]
    fn deterministic_ln_and_exp_agree_with_the_platform_to_rounding() {
        for &x in &[1e-300, 1e-20, 1e-5, 0.1, 0.5, std::f64::consts::FRAC_1_SQRT_2, std::f64::consts::SQRT_2, 1.0, 1.5, 2.0, 3.0, 10.0, 12345.678, 1e300] {
            let ours = det_ln(x);
            let platform = x.ln();
            assert!((ours - platform).abs() <= 4.0 * f64::EPSILON * platform.abs().max(1.0), "ln({x}): {ours} vs {platform}");
        }
        assert_eq!(LN_2_HIGH + LN_2_LOW, std::f64::consts::LN_2);
        for &x in &[-50.0, -3.0, -1.0, -0.25, 0.0, 0.3, 1.0, 2.5, 10.0, 100.0, 700.0] {
            let ours = det_exp(x);
            let platform = x.exp();
            assert!((ours - platform).abs() <= 4.0 * f64::EPSILON * platform, "exp({x}): {ours} vs {platform}");
        }
        assert_eq!(det_ln(0.0), f64::NEG_INFINITY);
        assert!(det_ln(-1.0).is_nan());
        assert!(det_ln(5e-324) < -744.0);
    }

    #[test]
    fn below_stays_in_range_and_distributions_have_their_means() {
        let mut rng = Rng::from_seed(7);
        assert_eq!(rng.below(0), 0);
        for _ in 0..10_000 {
            assert!(rng.below(10) < 10);
            let value = rng.between(5, 7);
            assert!((5..=7).contains(&value));
        }
        let samples = 200_000;
        let mean_exponential = (0..samples).map(|_| rng.exponential(3.0)).sum::<f64>() / samples as f64;
        assert!((mean_exponential - 3.0).abs() < 0.05, "{mean_exponential}");
        let normals: Vec<f64> = (0..samples).map(|_| rng.normal()).collect();
        let mean = normals.iter().sum::<f64>() / samples as f64;
        let variance = normals.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / samples as f64;
        assert!(mean.abs() < 0.01 && (variance - 1.0).abs() < 0.02, "{mean} {variance}");
        let mut lognormals: Vec<f64> = (0..samples).map(|_| rng.lognormal(100.0, 1.0)).collect();
        lognormals.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let median = lognormals[samples / 2];
        assert!((median - 100.0).abs() < 2.0, "{median}");
    }
}
