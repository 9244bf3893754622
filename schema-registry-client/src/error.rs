//! The crate's one error type, and the registry's numeric error codes.

use std::fmt;

/// A registry error code, as Confluent Schema Registry returns it in `error_code`.
///
/// Codes are either a bare HTTP status (`409`) or an HTTP status followed by two digits
/// (`40401`). Codes this crate does not name are kept in [`ErrorCode::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 40401: the subject does not exist.
    SubjectNotFound,
    /// 40402: the version does not exist under the subject.
    VersionNotFound,
    /// 40403: no schema with that id (or, on lookup, under that subject).
    SchemaNotFound,
    /// 40404: the subject was soft-deleted; a permanent delete is needed.
    SubjectSoftDeleted,
    /// 40405: a permanent delete of a subject that was not soft-deleted first.
    SubjectNotSoftDeleted,
    /// 40406: the version was soft-deleted; a permanent delete is needed.
    VersionSoftDeleted,
    /// 40407: a permanent delete of a version that was not soft-deleted first.
    VersionNotSoftDeleted,
    /// 40408: the subject has no compatibility level of its own.
    SubjectCompatibilityNotConfigured,
    /// 40409: the subject has no mode of its own.
    SubjectModeNotConfigured,
    /// 409: the schema is incompatible with an earlier version.
    Incompatible,
    /// 42201: the schema does not parse, or its type is not supported.
    InvalidSchema,
    /// 42202: the version is not a positive number or `latest`.
    InvalidVersion,
    /// 42203: unknown compatibility level.
    InvalidCompatibilityLevel,
    /// 42204: unknown mode.
    InvalidMode,
    /// 42205: the operation is not permitted (a read-only subject, for example).
    OperationNotPermitted,
    /// 42206: the schema is referenced by another schema and cannot be deleted.
    ReferenceExists,
    /// 50001: the registry's backing store failed.
    StoreError,
    /// 50002: the registry timed out.
    OperationTimeout,
    /// 50003: the registry could not forward the request to its leader.
    ForwardingError,
    /// Any other code.
    Other(i32),
}

impl ErrorCode {
    /// The numeric code.
    pub fn as_i32(self) -> i32 {
        match self {
            ErrorCode::SubjectNotFound => 40401,
            ErrorCode::VersionNotFound => 40402,
            ErrorCode::SchemaNotFound => 40403,
            ErrorCode::SubjectSoftDeleted => 40404,
            ErrorCode::SubjectNotSoftDeleted => 40405,
            ErrorCode::VersionSoftDeleted => 40406,
            ErrorCode::VersionNotSoftDeleted => 40407,
            ErrorCode::SubjectCompatibilityNotConfigured => 40408,
            ErrorCode::SubjectModeNotConfigured => 40409,
            ErrorCode::Incompatible => 409,
            ErrorCode::InvalidSchema => 42201,
            ErrorCode::InvalidVersion => 42202,
            ErrorCode::InvalidCompatibilityLevel => 42203,
            ErrorCode::InvalidMode => 42204,
            ErrorCode::OperationNotPermitted => 42205,
            ErrorCode::ReferenceExists => 42206,
            ErrorCode::StoreError => 50001,
            ErrorCode::OperationTimeout => 50002,
            ErrorCode::ForwardingError => 50003,
            ErrorCode::Other(code) => code,
        }
    }

    /// The code for a number.
    pub fn from_i32(code: i32) -> Self {
        const NAMED: [ErrorCode; 19] = [
            ErrorCode::SubjectNotFound,
            ErrorCode::VersionNotFound,
            ErrorCode::SchemaNotFound,
            ErrorCode::SubjectSoftDeleted,
            ErrorCode::SubjectNotSoftDeleted,
            ErrorCode::VersionSoftDeleted,
            ErrorCode::VersionNotSoftDeleted,
            ErrorCode::SubjectCompatibilityNotConfigured,
            ErrorCode::SubjectModeNotConfigured,
            ErrorCode::Incompatible,
            ErrorCode::InvalidSchema,
            ErrorCode::InvalidVersion,
            ErrorCode::InvalidCompatibilityLevel,
            ErrorCode::InvalidMode,
            ErrorCode::OperationNotPermitted,
            ErrorCode::ReferenceExists,
            ErrorCode::StoreError,
            ErrorCode::OperationTimeout,
            ErrorCode::ForwardingError,
        ];
        NAMED
            .into_iter()
            .find(|named| named.as_i32() == code)
            .unwrap_or(ErrorCode::Other(code))
    }

    /// The HTTP status the code belongs to (its first three digits).
    pub fn http_status(self) -> u16 {
        let code = self.as_i32();
        let status = if code >= 10_000 { code / 100 } else { code };
        u16::try_from(status).unwrap_or(500)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_i32())
    }
}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The registry answered with an error body (or, for the in-memory registry, the
    /// same error it would have answered with).
    #[error("schema registry error {code}: {message}")]
    Registry {
        /// The registry's error code.
        code: ErrorCode,
        /// The registry's message.
        message: String,
    },
    /// No registry URL could be reached (after retries and failover).
    #[error("cannot reach the schema registry at {url}: {reason}")]
    Unreachable {
        /// The last URL tried.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The TLS handshake with the registry failed: a certificate that no trusted CA
    /// signed or that was not issued for the host, or a client certificate the
    /// registry refused. Trying again does not help.
    #[error("TLS handshake with the schema registry at {url} failed: {reason}")]
    Tls {
        /// The URL asked.
        url: String,
        /// What the TLS library said.
        reason: String,
    },
    /// The registry refused the request's credentials (HTTP 401: none, an unknown user,
    /// a wrong password) or the user's rights (403).
    #[error("the schema registry at {url} refused the credentials: HTTP {status}: {message}")]
    Unauthorized {
        /// The URL asked.
        url: String,
        /// 401 or 403.
        status: u16,
        /// The registry's message.
        message: String,
    },
    /// The registry answered with a body this client cannot read.
    #[error("the schema registry at {url} answered {status} with a body that does not parse: {reason}")]
    InvalidResponse {
        /// The URL asked.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What did not parse.
        reason: String,
    },
    /// A configuration property is missing or has a bad value.
    #[error("invalid configuration `{key}`: {reason}")]
    Config {
        /// The property.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A schema does not parse, or one of its references does not resolve.
    #[error("invalid schema: {reason}")]
    InvalidSchema {
        /// What is wrong.
        reason: String,
    },
    /// A payload does not start with the Confluent wire format's magic byte 0.
    #[error("unknown magic byte {found:#04x} (expected 0x00, the Confluent wire format)")]
    UnknownMagicByte {
        /// The first byte found.
        found: u8,
    },
    /// A payload is shorter than the wire format's 5-byte header.
    #[error("payload of {len} bytes is shorter than the 5-byte wire-format header")]
    ShortPayload {
        /// The payload's length.
        len: usize,
    },
    /// A value could not be written with its schema.
    #[error("cannot serialize a value for subject `{subject}`: {reason}")]
    Serialize {
        /// The subject the value was written for.
        subject: String,
        /// What did not match.
        reason: String,
    },
    /// A payload could not be read with the schema its id names.
    #[error("cannot deserialize a payload written with schema id {schema_id}: {reason}")]
    Deserialize {
        /// The writer schema's id.
        schema_id: u32,
        /// What did not match.
        reason: String,
    },
    /// The crate's background runtime (where the HTTP client's exchanges and the
    /// [`blocking`](crate::blocking) facade's calls run) could not start, or a call on
    /// it ended without an answer.
    #[error("schema registry client runtime: {what}")]
    Runtime {
        /// What failed.
        what: &'static str,
        /// The underlying error, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// Reading or writing the registry's data directory failed.
    #[error("schema registry data at {path}: {reason}")]
    Storage {
        /// The file.
        path: String,
        /// What failed.
        reason: String,
    },
}

impl Error {
    /// A registry error with a code and message.
    pub fn registry(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Registry {
            code,
            message: message.into(),
        }
    }

    /// The registry's error code, where the error came from the registry.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Registry { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// True where retrying the same request could succeed: connection errors and
    /// registry-side (5xx) failures.
    pub fn is_retriable(&self) -> bool {
        match self {
            Error::Unreachable { .. } => true,
            Error::Registry { code, .. } => code.http_status() >= 500,
            _ => false,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_name_their_status() {
        for code in [40401, 40402, 40403, 409, 42201, 42206, 50001, 50003, 40301] {
            assert_eq!(ErrorCode::from_i32(code).as_i32(), code);
        }
        assert_eq!(ErrorCode::from_i32(40401), ErrorCode::SubjectNotFound);
        assert_eq!(ErrorCode::from_i32(40301), ErrorCode::Other(40301));
        assert_eq!(ErrorCode::SubjectNotFound.http_status(), 404);
        assert_eq!(ErrorCode::Incompatible.http_status(), 409);
        assert_eq!(ErrorCode::InvalidSchema.http_status(), 422);
        assert!(Error::registry(ErrorCode::StoreError, "x").is_retriable());
        assert!(!Error::registry(ErrorCode::SubjectNotFound, "x").is_retriable());
    }
}
