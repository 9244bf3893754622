//! The logical types of Kafka Connect: Decimal, Date, Time and Timestamp, by name.

use std::fmt;

use super::{Schema, SchemaBuilder, Type};
use crate::error::{Error, Result};

/// The name of the Decimal logical type.
pub const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";
/// The name of the Date logical type.
pub const DATE: &str = "org.apache.kafka.connect.data.Date";
/// The name of the Time logical type.
pub const TIME: &str = "org.apache.kafka.connect.data.Time";
/// The name of the Timestamp logical type.
pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";
/// The parameter of a Decimal schema that holds its scale.
pub const SCALE: &str = "scale";

/// Whether `name` is one of the four logical types.
pub fn is_logical(name: &str) -> bool {
    matches!(name, DECIMAL | DATE | TIME | TIMESTAMP)
}

/// A Decimal schema builder of `scale` (`bytes` named [`DECIMAL`] with a `scale`
/// parameter).
pub fn decimal(scale: i32) -> SchemaBuilder {
    SchemaBuilder::new(Type::Bytes)
        .name(DECIMAL)
        .version(1)
        .parameter(SCALE, scale.to_string())
}

/// A Date schema builder (`int32` named [`DATE`]).
pub fn date() -> SchemaBuilder {
    SchemaBuilder::new(Type::Int32).name(DATE).version(1)
}

/// A Time schema builder (`int32` named [`TIME`]).
pub fn time() -> SchemaBuilder {
    SchemaBuilder::new(Type::Int32).name(TIME).version(1)
}

/// A Timestamp schema builder (`int64` named [`TIMESTAMP`]).
pub fn timestamp() -> SchemaBuilder {
    SchemaBuilder::new(Type::Int64).name(TIMESTAMP).version(1)
}

/// The scale a Decimal schema declares.
pub fn scale_of(schema: &Schema) -> Result<i32> {
    let scale = schema
        .parameter(SCALE)
        .ok_or_else(|| Error::data("Invalid Decimal schema: scale parameter not found."))?;
    scale.parse().map_err(|_| {
        Error::data(format!(
            "Invalid scale parameter found in Decimal schema: {scale}"
        ))
    })
}

/// A decimal number: an unscaled integer and a scale (`unscaled × 10^-scale`), as
/// Java's `BigDecimal`, for unscaled values of up to 128 bits (38 digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The digits.
    pub unscaled: i128,
    /// Where the point goes: digits after it.
    pub scale: i32,
}

impl Decimal {
    /// `unscaled × 10^-scale`.
    pub fn new(unscaled: i128, scale: i32) -> Self {
        Decimal { unscaled, scale }
    }

    /// The unscaled value as Java's `BigInteger.toByteArray` gives it: big-endian two's
    /// complement, as few bytes as hold it (the bytes of a Decimal in Connect).
    pub fn unscaled_bytes(&self) -> Vec<u8> {
        let bytes = self.unscaled.to_be_bytes();
        let negative = self.unscaled < 0;
        let fill = if negative { 0xFF } else { 0x00 };
        let mut start = 0;
        while start < 15 && bytes[start] == fill && (bytes[start + 1] & 0x80 != 0) == negative {
            start += 1;
        }
        bytes[start..].to_vec()
    }

    /// The decimal of `bytes` (big-endian two's complement) at `scale`.
    pub fn from_unscaled_bytes(bytes: &[u8], scale: i32) -> Result<Self> {
        if bytes.is_empty() {
            return Err(Error::data("Invalid Decimal: no bytes"));
        }
        if bytes.len() > 16 {
            return Err(Error::data(format!(
                "Decimal of {} bytes is wider than the 128 bits this decimal holds",
                bytes.len()
            )));
        }
        let fill = if bytes[0] & 0x80 != 0 { 0xFF } else { 0 };
        let mut wide = [fill; 16];
        wide[16 - bytes.len()..].copy_from_slice(bytes);
        Ok(Decimal::new(i128::from_be_bytes(wide), scale))
    }

    /// The decimal a JSON number's text says (`-12.50`, `1E+3`), exactly.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || Error::data(format!("Invalid decimal number: {text}"));
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], text[at + 1..].parse::<i32>().map_err(|_| bad())?),
            None => (text, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = format!("{int}{frac}");
        if digits.trim_start_matches(['-', '+']).is_empty() {
            return Err(bad());
        }
        let unscaled: i128 = digits.parse().map_err(|_| bad())?;
        let scale = i32::try_from(frac.len()).map_err(|_| bad())? - exponent;
        Ok(Decimal::new(unscaled, scale))
    }

    /// This decimal at `scale`, when that loses no digit.
    pub fn rescale(&self, scale: i32) -> Option<Self> {
        if scale == self.scale {
            return Some(*self);
        }
        let shift = scale.abs_diff(self.scale);
        let factor = 10i128.checked_pow(shift)?;
        if scale > self.scale {
            Some(Decimal::new(self.unscaled.checked_mul(factor)?, scale))
        } else if self.unscaled % factor == 0 {
            Some(Decimal::new(self.unscaled / factor, scale))
        } else {
            None
        }
    }

    /// Its value as the nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        format!("{}E{}", self.unscaled, -i64::from(self.scale))
            .parse()
            .unwrap_or(f64::NAN)
    }
}

/// Java's `BigDecimal.toString`: plain digits unless the scale is negative or the
/// number is smaller than 10^-6, then scientific (`1.2345E+6`).
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.unscaled.unsigned_abs().to_string();
        let sign = if self.unscaled < 0 { "-" } else { "" };
        let scale = i64::from(self.scale);
        let adjusted = -scale + (digits.len() as i64 - 1);
        if scale >= 0 && adjusted >= -6 {
            if scale == 0 {
                return write!(f, "{sign}{digits}");
            }
            let scale = scale as usize;
            if digits.len() > scale {
                let (int, frac) = digits.split_at(digits.len() - scale);
                write!(f, "{sign}{int}.{frac}")
            } else {
                write!(f, "{sign}0.{}{digits}", "0".repeat(scale - digits.len()))
            }
        } else {
            let (first, rest) = digits.split_at(1);
            let point = if rest.is_empty() { "" } else { "." };
            let exp_sign = if adjusted >= 0 { "+" } else { "" };
            write!(f, "{sign}{first}{point}{rest}E{exp_sign}{adjusted}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unscaled_bytes_are_javas_big_integer_bytes() {
        for (n, bytes) in [
            (0i128, vec![0u8]),
            (1, vec![1]),
            (127, vec![0x7F]),
            (128, vec![0x00, 0x80]),
            (-1, vec![0xFF]),
            (-128, vec![0x80]),
            (-129, vec![0xFF, 0x7F]),
            (12345, vec![0x30, 0x39]),
        ] {
            assert_eq!(Decimal::new(n, 2).unscaled_bytes(), bytes, "{n}");
            assert_eq!(Decimal::from_unscaled_bytes(&bytes, 2).unwrap().unscaled, n);
        }
    }

    #[test]
    fn text_is_javas_big_decimal_text() {
        for (unscaled, scale, text) in [
            (12345i128, 2, "123.45"),
            (-5, 3, "-0.005"),
            (7, 0, "7"),
            (12345, -3, "1.2345E+7"),
            (1, 7, "1E-7"),
            (123, 9, "1.23E-7"),
            (1, 6, "0.000001"),
        ] {
            let d = Decimal::new(unscaled, scale);
            assert_eq!(d.to_string(), text);
            assert_eq!(Decimal::parse(text).unwrap(), d, "{text}");
        }
        assert!(Decimal::parse("1.2.3").is_err());
        assert!(Decimal::parse("-").is_err());
    }
}
