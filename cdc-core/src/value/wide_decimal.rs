//! Decimals wider than 128 bits (MySQL's `DECIMAL(65, 30)`, PostgreSQL's unconstrained
//! `NUMERIC`), kept in the form Kafka Connect and Avro carry them.

use std::fmt;

/// An exact decimal whose unscaled digits do not fit [`Value::Decimal`](crate::Value::Decimal)'s
/// 128 bits: `unscaled * 10^-scale`, the unscaled integer as big-endian two's complement
/// bytes, as Kafka Connect's `Decimal` and Avro's `decimal` carry it. It prints as decimal
/// text.
///
/// ```
/// use cdc_core::WideDecimal;
/// // 2^128 with two digits after the point.
/// let mut bytes = vec![0x01];
/// bytes.extend([0u8; 16]);
/// let wide = WideDecimal::new(bytes, 2);
/// assert_eq!(wide.to_string(), "3402823669209384634633746074317682114.56");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WideDecimal {
    unscaled: Vec<u8>,
    scale: u32,
}

impl WideDecimal {
    /// The decimal of big-endian two's complement `unscaled` bytes (kept as given) and a
    /// scale. No bytes is zero.
    pub fn new(unscaled: Vec<u8>, scale: u32) -> Self {
        WideDecimal { unscaled, scale }
    }

    /// The unscaled integer, big-endian two's complement.
    pub fn unscaled_bytes(&self) -> &[u8] {
        &self.unscaled
    }

    /// How many digits are after the point.
    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// How many decimal digits the unscaled integer has.
    pub fn digits(&self) -> usize {
        magnitude_digits(&self.unscaled).1.len()
    }
}

impl fmt::Display for WideDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (negative, digits) = magnitude_digits(&self.unscaled);
        f.write_str(&super::place_point(negative, &digits, self.scale))
    }
}

/// The sign and decimal digits of a big-endian two's complement integer.
fn magnitude_digits(bytes: &[u8]) -> (bool, String) {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    // The magnitude: the bytes themselves, or their two's complement negation.
    let mut magnitude = bytes.to_vec();
    if negative {
        let mut carry = true;
        for b in magnitude.iter_mut().rev() {
            let (sum, overflow) = (!*b).overflowing_add(u8::from(carry));
            *b = sum;
            carry = overflow;
        }
    }
    // Base 10^9 limbs by long division of the base-256 number.
    let mut limbs: Vec<u32> = Vec::new();
    let mut number: Vec<u8> = magnitude.into_iter().skip_while(|b| *b == 0).collect();
    while !number.is_empty() {
        let mut remainder = 0u64;
        let mut quotient = Vec::with_capacity(number.len());
        for b in &number {
            let current = remainder << 8 | u64::from(*b);
            let q = current / 1_000_000_000;
            remainder = current % 1_000_000_000;
            if !(quotient.is_empty() && q == 0) {
                quotient.push(u8::try_from(q).unwrap_or(u8::MAX));
            }
        }
        limbs.push(u32::try_from(remainder).unwrap_or_default());
        number = quotient;
    }
    let mut digits = limbs.last().map_or_else(|| "0".to_owned(), u32::to_string);
    for limb in limbs.iter().rev().skip(1) {
        digits.push_str(&format!("{limb:09}"));
    }
    (negative, digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_the_narrow_decimal() {
        for (n, scale) in [
            (0i128, 0),
            (1, 3),
            (-1, 3),
            (12_345, 2),
            (-987_654_321_012, 4),
            (i128::MAX, 30),
            (i128::MIN, 0),
        ] {
            let wide = WideDecimal::new(crate::value::unscaled_bytes(n), scale);
            assert_eq!(wide.to_string(), crate::value::decimal_text(n, scale), "{n}");
        }
        assert_eq!(WideDecimal::new(vec![], 1).to_string(), "0.0");
    }

    #[test]
    fn a_mariadb_decimal_65_30() {
        // What Debezium 3.5's MariaDB connector sent for a DECIMAL(65,30) column holding
        // 12345678901234567890123456789012345.123456789012345678901234567890.
        let bytes = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            "HgK8HpeFi9xsuVBY80JNfTp/7HsD4maOPwrS",
        )
        .unwrap();
        let wide = WideDecimal::new(bytes, 30);
        assert_eq!(
            wide.to_string(),
            "12345678901234567890123456789012345.123456789012345678901234567890"
        );
        assert_eq!(wide.digits(), 65);
    }
}
