//! The seal on the traits only this crate implements.

/// A supertrait that only this crate can name, so only its own types implement
/// [`Backend`](crate::Backend), [`Admin`](crate::Admin), [`Producer`](crate::Producer)
/// and [`Consumer`](crate::Consumer), and those traits can gain methods without breaking
/// anyone.
pub trait Sealed {}
