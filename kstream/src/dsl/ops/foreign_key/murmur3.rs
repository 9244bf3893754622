//! MurmurHash3, the x64 128-bit variant, seeded as Kafka Streams seeds it (104729): the
//! hash of a left row's value that a foreign-key join sends with each subscription, so
//! that a response computed for an older value can be recognised and dropped.

const C1: u64 = 0x87c3_7b91_1142_53d5;
const C2: u64 = 0x4cf5_ad43_2745_937f;
const SEED: u64 = 104_729;

/// The 128-bit hash of `data` as two words, in the order Kafka writes them.
pub(crate) fn hash128(data: &[u8]) -> [u64; 2] {
    let (mut h1, mut h2) = (SEED, SEED);
    let mut blocks = data.chunks_exact(16);
    for block in &mut blocks {
        let (lo, hi) = block.split_at(8);
        h1 ^= mix_k1(le_word(lo));
        h1 = h1
            .rotate_left(27)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x52dc_e729);
        h2 ^= mix_k2(le_word(hi));
        h2 = h2
            .rotate_left(31)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x3849_5ab5);
    }
    let tail = blocks.remainder();
    if tail.len() > 8 {
        h2 ^= mix_k2(le_word(&tail[8..]));
    }
    if !tail.is_empty() {
        h1 ^= mix_k1(le_word(&tail[..tail.len().min(8)]));
    }
    let len = data.len() as u64;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    [h1, h2]
}

/// Up to eight bytes as a little-endian word (missing high bytes are zero).
fn le_word(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .enumerate()
        .fold(0, |word, (i, &b)| word | (u64::from(b) << (8 * i)))
}

fn mix_k1(k: u64) -> u64 {
    k.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2)
}

fn mix_k2(k: u64) -> u64 {
    k.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1)
}

fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

#[cfg(test)]
mod tests {
    use super::hash128;

    /// Values of Kafka Streams' `Murmur3.hash128` (kafka-streams 4.4.0), as signed longs,
    /// for `n` bytes `(i * 37 + 200) as u8`: every tail length class and several blocks.
    #[test]
    fn matches_kafka_streams() {
        let cases: [(u8, [i64; 2]); 12] = [
            (0, [-7122613646888064702, -8341524471658347240]),
            (1, [-4615602001469447222, -5947292478380757321]),
            (3, [-5752049128668885833, 2746394662856386121]),
            (7, [-2107356240070746995, 8712494903821390563]),
            (8, [6014274030055629952, 3156945422024201036]),
            (9, [-5216073135972215217, 8252163989001585864]),
            (15, [-8844713386880038744, 1384717867784962967]),
            (16, [4259464231871220401, 71836089553343856]),
            (17, [1468295286396577991, 2369895096289180639]),
            (24, [5841508830559763943, 6125384748733465200]),
            (31, [1137369972227847586, -2626887154935382824]),
            (33, [-4030251065457743037, -2429668008310786738]),
        ];
        for (n, expected) in cases {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37).wrapping_add(200)).collect();
            assert_eq!(hash128(&data).map(|w| w as i64), expected, "{n} bytes");
        }
        assert_eq!(
            hash128(b"x:1").map(|w| w as i64),
            [-1480777514850402907, 2362266536868895068]
        );
    }
}
