//! A token limit that may be switched off: an integer, or `"none"` in a config.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A maximum number of tokens (`max_length = 1024`), or no limit (`max_length = "none"`, TRL's
/// `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenLimit {
    /// At most this many tokens.
    Tokens(usize),
    /// No limit.
    Unlimited,
}

impl TokenLimit {
    /// The limit as a number, `None` when unlimited.
    pub fn get(self) -> Option<usize> {
        match self {
            TokenLimit::Tokens(tokens) => Some(tokens),
            TokenLimit::Unlimited => None,
        }
    }
}

impl fmt::Display for TokenLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenLimit::Tokens(tokens) => write!(f, "{tokens}"),
            TokenLimit::Unlimited => f.write_str("\"none\""),
        }
    }
}

impl Serialize for TokenLimit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            TokenLimit::Tokens(tokens) => serializer.serialize_u64(*tokens as u64),
            TokenLimit::Unlimited => serializer.serialize_str("none"),
        }
    }
}

impl<'de> Deserialize<'de> for TokenLimit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LimitVisitor;
        impl Visitor<'_> for LimitVisitor {
            type Value = TokenLimit;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a positive number of tokens or \"none\"")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<TokenLimit, E> {
                match value {
                    "none" => Ok(TokenLimit::Unlimited),
                    _ => Err(E::invalid_value(de::Unexpected::Str(value), &self)),
                }
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<TokenLimit, E> {
                match usize::try_from(value) {
                    Ok(tokens) if tokens > 0 => Ok(TokenLimit::Tokens(tokens)),
                    _ => Err(E::invalid_value(de::Unexpected::Signed(value), &self)),
                }
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<TokenLimit, E> {
                self.visit_i64(i64::try_from(value).unwrap_or(-1))
            }
        }
        deserializer.deserialize_any(LimitVisitor)
    }
}
