//! Seeded noise for the tests that damage or invent packets and files (the same bytes on every
//! run). SplitMix64 (Steele, Lea, Flood 2014), the stream `flowhound synth`'s generator seeds
//! itself with; kept here so that the core's tests need nothing of the synth crate.

pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_published_splitmix64_stream() {
        // Vigna's splitmix64.c, seed 1234567: the first outputs.
        let mut noise = super::SplitMix64::new(1_234_567);
        assert_eq!(noise.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(noise.next_u64(), 3_203_168_211_198_807_973);
    }
}
