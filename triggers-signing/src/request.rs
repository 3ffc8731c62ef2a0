//! v1 request signing and verification.

use core::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::{
    DEFAULT_TOLERANCE_SECS, Error, HEADER_SIGNATURE, HEADER_TIMESTAMP, HEADER_VERSION, VERSION_V1,
    canonical_string, hex,
};

type HmacSha256 = Hmac<Sha256>;

/// The SHA-256 of a request body: the `BODY_HASH` of the string to sign.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BodyHash([u8; 32]);

impl BodyHash {
    /// Hashes a body held in memory.
    ///
    /// ```
    /// use triggers_signing::BodyHash;
    /// assert_eq!(
    ///     BodyHash::of(b"").to_hex(),
    ///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// );
    /// ```
    pub fn of(body: &[u8]) -> Self {
        BodyHash(Sha256::digest(body).into())
    }

    /// An incremental hasher, for bodies that arrive in chunks.
    pub fn hasher() -> BodyHasher {
        BodyHasher(Sha256::new())
    }

    /// Wraps a SHA-256 digest computed elsewhere.
    pub fn from_bytes(digest: [u8; 32]) -> Self {
        BodyHash(digest)
    }

    /// The raw 32 digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex, as it appears in the string to sign.
    pub fn to_hex(&self) -> String {
        hex::encode_lower(&self.0)
    }
}

impl fmt::Debug for BodyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BodyHash({})", self.to_hex())
    }
}

/// Hashes a body fed in chunks, so a large body is never copied.
///
/// ```
/// use triggers_signing::BodyHash;
/// let mut h = BodyHash::hasher();
/// h.update(b"hello ");
/// h.update(b"world");
/// assert_eq!(h.finish(), BodyHash::of(b"hello world"));
/// ```
#[derive(Clone, Default)]
pub struct BodyHasher(Sha256);

impl BodyHasher {
    /// Feeds the next chunk of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        self.0.update(chunk);
    }

    /// The hash of everything fed so far.
    pub fn finish(self) -> BodyHash {
        BodyHash(self.0.finalize().into())
    }
}

impl fmt::Debug for BodyHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BodyHasher")
    }
}

/// A v1 signing secret: the HMAC key is the UTF-8 bytes of the secret exactly
/// as issued. Zeroed on drop; `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Wraps a secret as issued. Fails with [`Error::InvalidSecret`] when empty.
    ///
    /// ```
    /// use triggers_signing::Secret;
    /// let s = Secret::new("tsk_live_example").unwrap();
    /// assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
    /// assert!(Secret::new("").is_err());
    /// ```
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, Error> {
        let bytes = secret.as_ref();
        if bytes.is_empty() {
            return Err(Error::InvalidSecret);
        }
        Ok(Secret(Zeroizing::new(bytes.to_vec())))
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length; this cannot fail.
        match HmacSha256::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Computes the raw v1 MAC over a string to sign.
fn mac_bytes(secret: &Secret, canonical: &str) -> [u8; 32] {
    let mut mac = secret.mac();
    mac.update(canonical.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The three headers a signed request carries.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// Value of `X-Signature-Timestamp`.
    pub timestamp: String,
    /// Value of `X-Signature`: 64 lower-case hex digits.
    pub signature: String,
    /// Value of `X-Signature-Version`: always `v1`.
    pub version: &'static str,
}

impl SignedHeaders {
    /// `(name, value)` pairs in a fixed order, ready to add to any request.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            (HEADER_TIMESTAMP, self.timestamp.as_str()),
            (HEADER_SIGNATURE, self.signature.as_str()),
            (HEADER_VERSION, self.version),
        ]
        .into_iter()
    }
}

impl fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedHeaders")
            .field("timestamp", &self.timestamp)
            .field("signature", &self.signature)
            .field("version", &self.version)
            .finish()
    }
}

/// Signs a request whose body hash is already known (see [`BodyHash::hasher`]).
///
/// `target` is the path and query exactly as sent (`/v1/events?x=1`).
pub fn sign_hashed(
    secret: &Secret,
    method: &str,
    target: &str,
    timestamp: u64,
    body_hash: &BodyHash,
) -> Result<SignedHeaders, Error> {
    check_sign_timestamp(timestamp, HEADER_TIMESTAMP)?;
    let ts = timestamp.to_string();
    let canonical = canonical_string(method, target, &ts, body_hash)?;
    Ok(SignedHeaders {
        timestamp: ts,
        signature: hex::encode_lower(&mac_bytes(secret, &canonical)),
        version: VERSION_V1,
    })
}

/// Signs a request whose body is in memory.
///
/// ```
/// use triggers_signing::{sign, Secret};
/// let secret = Secret::new("s3cret").unwrap();
/// let headers = sign(&secret, "POST", "/v1/events?a=1", 1_700_000_000, br#"{"x":1}"#).unwrap();
/// assert_eq!(headers.timestamp, "1700000000");
/// assert_eq!(headers.signature.len(), 64);
/// assert_eq!(headers.version, "v1");
/// ```
pub fn sign(
    secret: &Secret,
    method: &str,
    target: &str,
    timestamp: u64,
    body: &[u8],
) -> Result<SignedHeaders, Error> {
    sign_hashed(secret, method, target, timestamp, &BodyHash::of(body))
}

/// The signature headers as received, as raw bytes (header values need not
/// be UTF-8). `None` means the header is absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignatureHeaders<'a> {
    /// `X-Signature-Timestamp`.
    pub timestamp: Option<&'a [u8]>,
    /// `X-Signature`.
    pub signature: Option<&'a [u8]>,
    /// `X-Signature-Version`.
    pub version: Option<&'a [u8]>,
}

impl<'a> SignatureHeaders<'a> {
    /// Reads the three headers through a lookup by lower-case name, so any
    /// header map plugs in.
    ///
    /// ```
    /// use triggers_signing::SignatureHeaders;
    /// let pairs = [("x-signature-version", "v1")];
    /// let h = SignatureHeaders::from_fn(|name| {
    ///     pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_bytes())
    /// });
    /// assert_eq!(h.version, Some(&b"v1"[..]));
    /// assert!(h.signature.is_none());
    /// ```
    pub fn from_fn(mut get: impl FnMut(&'static str) -> Option<&'a [u8]>) -> Self {
        SignatureHeaders {
            timestamp: get(HEADER_TIMESTAMP),
            signature: get(HEADER_SIGNATURE),
            version: get(HEADER_VERSION),
        }
    }

    /// True when any of the three headers is present: the request claims to
    /// be signed.
    pub fn any_present(&self) -> bool {
        self.timestamp.is_some() || self.signature.is_some() || self.version.is_some()
    }
}

/// Parses a Unix-seconds timestamp header: ASCII digits only, no sign, no
/// leading zero, at most 19 digits.
pub(crate) fn parse_timestamp(value: &[u8], header: &'static str) -> Result<u64, Error> {
    let malformed = |reason| Error::MalformedHeader { header, reason };
    if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
        return Err(malformed("expected Unix seconds in decimal"));
    }
    if value.len() > 1 && value[0] == b'0' {
        return Err(malformed("leading zero in timestamp"));
    }
    value
        .iter()
        .try_fold(0u64, |acc, d| {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
        .ok_or_else(|| malformed("timestamp out of range"))
}

/// Largest timestamp a verifier parses (19 digits).
pub(crate) const MAX_TIMESTAMP: u64 = 9_999_999_999_999_999_999;

/// Refuses to sign a timestamp no verifier would parse.
pub(crate) fn check_sign_timestamp(timestamp: u64, header: &'static str) -> Result<(), Error> {
    if timestamp > MAX_TIMESTAMP {
        return Err(Error::MalformedHeader {
            header,
            reason: "timestamp out of range (at most 19 digits)",
        });
    }
    Ok(())
}

/// Checks `timestamp` against `now` with a symmetric tolerance.
pub(crate) fn check_window(timestamp: u64, now: u64, tolerance: u64) -> Result<(), Error> {
    if timestamp > now.saturating_add(tolerance) {
        return Err(Error::FutureTimestamp {
            ahead: timestamp - now,
        });
    }
    if now > timestamp.saturating_add(tolerance) {
        return Err(Error::StaleTimestamp {
            age: now - timestamp,
        });
    }
    Ok(())
}

/// What a successful verification established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The signed timestamp (Unix seconds).
    pub timestamp: u64,
    /// Index of the candidate secret that matched (0 = the first given):
    /// tells whether a client still signs with a rotating secret.
    pub secret_index: usize,
    /// The decoded signature (for example the key of a replay cache).
    pub signature: [u8; 32],
}

/// What [`Verifier::precheck`] established: the headers are well-formed, the
/// timestamp is inside the window and the target canonicalizes. Only the body
/// and the secrets remain to be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prechecked {
    /// The signed timestamp (Unix seconds).
    pub timestamp: u64,
    /// The decoded signature.
    pub signature: [u8; 32],
}

/// A request prepared by [`Verifier::prepare`]: its headers, timestamp
/// window and target are checked, and its string to sign is known up to the
/// body hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// `METHOD "\n" PATH "\n" QUERY "\n" TIMESTAMP "\n"`.
    prefix: String,
    checked: Prechecked,
}

impl Prepared {
    /// The signed timestamp (Unix seconds).
    pub fn timestamp(&self) -> u64 {
        self.checked.timestamp
    }

    /// The presented signature.
    pub fn signature(&self) -> &[u8; 32] {
        &self.checked.signature
    }
}

/// Verifies v1 signed requests against one or more candidate secrets.
///
/// ```
/// use triggers_signing::{sign, BodyHash, Secret, SignatureHeaders, Verifier};
/// let old = Secret::new("old-secret").unwrap();
/// let new = Secret::new("new-secret").unwrap();
/// let body = b"{}";
/// let signed = sign(&old, "POST", "/v1/events", 1_700_000_000, body).unwrap();
///
/// // During a rotation, both secrets are candidates.
/// let verifier = Verifier::new([new, old]).tolerance(300);
/// let headers = SignatureHeaders {
///     timestamp: Some(signed.timestamp.as_bytes()),
///     signature: Some(signed.signature.as_bytes()),
///     version: Some(b"v1"),
/// };
/// let ok = verifier
///     .verify("POST", "/v1/events", &BodyHash::of(body), &headers, 1_700_000_100)
///     .unwrap();
/// assert_eq!(ok.secret_index, 1);
/// ```
#[derive(Clone, Debug)]
pub struct Verifier {
    secrets: Vec<Secret>,
    tolerance: u64,
}

impl Verifier {
    /// A verifier with the given candidate secrets and the default ±300 s
    /// tolerance.
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        Verifier {
            secrets: secrets.into_iter().collect(),
            tolerance: DEFAULT_TOLERANCE_SECS,
        }
    }

    /// Sets the accepted clock skew, in seconds, either way.
    pub fn tolerance(mut self, seconds: u64) -> Self {
        self.tolerance = seconds;
        self
    }

    /// Steps 1 to 5 of the spec: headers present and well-formed, version,
    /// timestamp window. Returns the timestamp text, its value and the
    /// presented signature.
    fn parse_headers<'h>(
        &self,
        headers: &SignatureHeaders<'h>,
        now: u64,
    ) -> Result<(&'h str, Prechecked), Error> {
        let timestamp_raw = headers.timestamp.ok_or(Error::MissingHeader {
            header: HEADER_TIMESTAMP,
        })?;
        let signature_raw = headers.signature.ok_or(Error::MissingHeader {
            header: HEADER_SIGNATURE,
        })?;
        let version = headers.version.ok_or(Error::MissingHeader {
            header: HEADER_VERSION,
        })?;
        if version != VERSION_V1.as_bytes() {
            return Err(Error::UnsupportedVersion);
        }
        let timestamp = parse_timestamp(timestamp_raw, HEADER_TIMESTAMP)?;
        let signature = hex::decode_32(signature_raw).ok_or(Error::MalformedHeader {
            header: HEADER_SIGNATURE,
            reason: "expected 64 hex digits",
        })?;
        check_window(timestamp, now, self.tolerance)?;
        // parse_timestamp accepted ASCII digits only.
        let ts = core::str::from_utf8(timestamp_raw).map_err(|_| Error::MalformedHeader {
            header: HEADER_TIMESTAMP,
            reason: "not ASCII",
        })?;
        Ok((
            ts,
            Prechecked {
                timestamp,
                signature,
            },
        ))
    }

    /// Every check that needs neither the body nor the secrets (headers,
    /// version, timestamp window, canonicalization of method, path and
    /// query), so a server can refuse a request before reading its body or
    /// looking secrets up.
    ///
    /// ```
    /// use triggers_signing::{SignatureHeaders, Verifier};
    /// let headers = SignatureHeaders {
    ///     timestamp: Some(b"1700000000"),
    ///     signature: Some(&[b'0'; 64]),
    ///     version: Some(b"v1"),
    /// };
    /// let v = Verifier::new([]);
    /// assert!(v.precheck("POST", "/v1/events", &headers, 1_700_000_000).is_ok());
    /// assert_eq!(v.precheck("POST", "/%G1", &headers, 1_700_000_000).unwrap_err().code(), "bad_encoding");
    /// assert_eq!(v.precheck("POST", "/", &headers, 1_800_000_000).unwrap_err().code(), "stale_timestamp");
    /// ```
    pub fn precheck(
        &self,
        method: &str,
        target: &str,
        headers: &SignatureHeaders<'_>,
        now: u64,
    ) -> Result<Prechecked, Error> {
        let (_, pre) = self.parse_headers(headers, now)?;
        crate::canonical::validate(method, target)?;
        Ok(pre)
    }

    /// Like [`precheck`](Self::precheck), but keeps the string to sign up to
    /// its `BODY_HASH`, so that [`verify_prepared`](Self::verify_prepared)
    /// completes the verification once the body is hashed without
    /// canonicalizing the target a second time.
    ///
    /// ```
    /// use triggers_signing::{sign, BodyHash, Secret, SignatureHeaders, Verifier};
    /// let secret = Secret::new("s3cret").unwrap();
    /// let signed = sign(&secret, "POST", "/v1/events?b=1", 1_700_000_000, b"{}").unwrap();
    /// let headers = SignatureHeaders {
    ///     timestamp: Some(signed.timestamp.as_bytes()),
    ///     signature: Some(signed.signature.as_bytes()),
    ///     version: Some(b"v1"),
    /// };
    /// let verifier = Verifier::new([secret]);
    /// let prepared = verifier.prepare("POST", "/v1/events?b=1", &headers, 1_700_000_000).unwrap();
    /// // ... read and hash the body ...
    /// let ok = verifier.verify_prepared(&prepared, &BodyHash::of(b"{}")).unwrap();
    /// assert_eq!(ok.timestamp, 1_700_000_000);
    /// ```
    pub fn prepare(
        &self,
        method: &str,
        target: &str,
        headers: &SignatureHeaders<'_>,
        now: u64,
    ) -> Result<Prepared, Error> {
        let (ts, checked) = self.parse_headers(headers, now)?;
        let mut prefix = canonical_string(method, target, ts, &BodyHash([0; 32]))?;
        // Drop the 64 hex digits of the placeholder hash, keep the newline.
        prefix.truncate(prefix.len() - 64);
        Ok(Prepared { prefix, checked })
    }

    /// Finishes a verification started with [`prepare`](Self::prepare): the
    /// MAC of the prepared string to sign and `body_hash` against every
    /// candidate secret, in constant time.
    pub fn verify_prepared(
        &self,
        prepared: &Prepared,
        body_hash: &BodyHash,
    ) -> Result<Verified, Error> {
        let hash_hex = hex::encode_lower_array(body_hash.as_bytes());
        let mut matched = None;
        for (index, secret) in self.secrets.iter().enumerate() {
            let mut mac = secret.mac();
            mac.update(prepared.prefix.as_bytes());
            mac.update(&hash_hex);
            let expected: [u8; 32] = mac.finalize().into_bytes().into();
            if bool::from(expected.ct_eq(&prepared.checked.signature)) && matched.is_none() {
                matched = Some(index);
            }
        }
        matched
            .map(|secret_index| Verified {
                timestamp: prepared.checked.timestamp,
                secret_index,
                signature: prepared.checked.signature,
            })
            .ok_or(Error::Mismatch)
    }

    /// Verifies a request. `target` is the path and query as received, `now`
    /// the verifier's clock in Unix seconds (inject it; see [`unix_now`]).
    ///
    /// Checks, in order: headers present and well-formed, version, timestamp
    /// window, canonicalization, then the MAC against every candidate secret
    /// in constant time.
    pub fn verify(
        &self,
        method: &str,
        target: &str,
        body_hash: &BodyHash,
        headers: &SignatureHeaders<'_>,
        now: u64,
    ) -> Result<Verified, Error> {
        let (ts, pre) = self.parse_headers(headers, now)?;
        let canonical = canonical_string(method, target, ts, body_hash)?;
        let mut matched = None;
        for (index, secret) in self.secrets.iter().enumerate() {
            let expected = mac_bytes(secret, &canonical);
            // Check every secret, so timing does not reveal which matched.
            if bool::from(expected.ct_eq(&pre.signature)) && matched.is_none() {
                matched = Some(index);
            }
        }
        matched
            .map(|secret_index| Verified {
                timestamp: pre.timestamp,
                secret_index,
                signature: pre.signature,
            })
            .ok_or(Error::Mismatch)
    }
}

/// The system clock in Unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
