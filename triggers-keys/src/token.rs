//! The key string formats: recognisable, checksummed, typo-rejecting.
//!
//! An API key is `trgk_` + 16 base62 characters of key id + 32 base62
//! characters of secret + 6 base62 characters of CRC-32 checksum (59
//! characters in all, about 190 bits of secret). The prefix lets secret
//! scanners find a leaked key; the checksum rejects a mistyped key before any
//! lookup. The public key id is `key_` + the same 16 characters.
//!
//! A signing secret (the v1 request-signing HMAC key) is `trgs_` + 43 base62
//! characters (about 256 bits).

use core::fmt;

use rand::Rng;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use crate::KeyError;

/// Prefix of every API key string.
pub const API_KEY_PREFIX: &str = "trgk_";
/// Prefix of every public key id.
pub const KEY_ID_PREFIX: &str = "key_";
/// Prefix of every v1 signing secret.
pub const SIGNING_SECRET_PREFIX: &str = "trgs_";

const ID_LEN: usize = 16;
const SECRET_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;
const SIGNING_SECRET_LEN: usize = 43;
/// Total length of an API key string.
pub const API_KEY_LEN: usize = API_KEY_PREFIX.len() + ID_LEN + SECRET_LEN + CHECKSUM_LEN;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn random_base62(len: usize) -> String {
    let mut rng = OsRng;
    (0..len)
        .map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char)
        .collect()
}

fn checksum(body: &str) -> String {
    let mut n = u64::from(crc32fast::hash(body.as_bytes()));
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|b| *b as char).collect()
}

/// A public key id (`key_…`). Not a secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    /// A fresh random key id.
    pub fn generate() -> Self {
        KeyId(format!("{KEY_ID_PREFIX}{}", random_base62(ID_LEN)))
    }

    /// Parses `key_` + 16 base62 characters.
    ///
    /// ```
    /// use triggers_keys::KeyId;
    /// assert!(KeyId::parse("key_0123456789abcdef").is_ok());
    /// assert!(KeyId::parse("key_short").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, KeyError> {
        let body = s
            .strip_prefix(KEY_ID_PREFIX)
            .ok_or(KeyError::MalformedKeyId)?;
        if body.len() != ID_LEN || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(KeyError::MalformedKeyId);
        }
        Ok(KeyId(s.to_owned()))
    }

    /// Accepts the id of a key migrated from before versioning (see
    /// `migrate::migrate_legacy`, feature `sqlite`): any non-empty id of at
    /// most [`LEGACY_ID_MAX_LEN`] visible ASCII characters (`!` to `~`, no
    /// space or control character). A `key_…` id is accepted too, and equals
    /// [`KeyId::parse`] of the same string.
    ///
    /// Stores also use it to read back ids they hold. API keys issued for a
    /// legacy id (at a rotation) cannot embed it, so they are found by hash
    /// (see [`KeyStore::find_by_hash`](crate::KeyStore::find_by_hash)).
    ///
    /// ```
    /// use triggers_keys::KeyId;
    /// assert_eq!(KeyId::legacy("42".into()).unwrap().as_str(), "42");
    /// assert!(KeyId::legacy(String::new()).is_err());
    /// assert!(KeyId::legacy("has space".into()).is_err());
    /// ```
    pub fn legacy(id: String) -> Result<Self, KeyError> {
        if id.is_empty()
            || id.len() > LEGACY_ID_MAX_LEN
            || !id.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(KeyError::MalformedKeyId);
        }
        Ok(KeyId(id))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a `key_` + 16 base62 id (false for most legacy ids).
    pub fn is_canonical(&self) -> bool {
        self.body().is_some()
    }

    /// The 16 characters after `key_`, for a canonical id only.
    fn body(&self) -> Option<&str> {
        self.0
            .strip_prefix(KEY_ID_PREFIX)
            .filter(|b| b.len() == ID_LEN && b.bytes().all(|c| c.is_ascii_alphanumeric()))
    }
}

/// Longest id [`KeyId::legacy`] accepts.
pub const LEGACY_ID_MAX_LEN: usize = 128;

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An API key string (`trgk_…`). A secret: zeroed on drop, never in `Debug`.
#[derive(Clone)]
pub struct ApiKeyToken(Zeroizing<String>);

impl ApiKeyToken {
    /// A fresh key string for `key_id`.
    ///
    /// A canonical id is embedded, so [`ApiKeyToken::parse`] gives it back.
    /// A legacy id (see [`KeyId::legacy`]) cannot be: the key string then
    /// embeds 16 random characters instead, naming no key, and is found by
    /// its hash.
    pub fn generate(key_id: &KeyId) -> Self {
        let id_part = match key_id.body() {
            Some(body) => body.to_owned(),
            None => random_base62(ID_LEN),
        };
        let body = Zeroizing::new(format!(
            "{API_KEY_PREFIX}{id_part}{}",
            random_base62(SECRET_LEN)
        ));
        let sum = checksum(&body);
        ApiKeyToken(Zeroizing::new(format!("{}{sum}", body.as_str())))
    }

    /// Checks prefix, length, alphabet and checksum, and extracts the key id.
    /// Nothing is looked up: a typo fails here.
    pub fn parse(s: &str) -> Result<(Self, KeyId), KeyError> {
        let rest = s
            .strip_prefix(API_KEY_PREFIX)
            .ok_or(KeyError::MalformedKey)?;
        if s.len() != API_KEY_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(KeyError::MalformedKey);
        }
        let (body, sum) = s.split_at(API_KEY_LEN - CHECKSUM_LEN);
        if checksum(body) != sum {
            return Err(KeyError::BadChecksum);
        }
        let id = KeyId(format!("{KEY_ID_PREFIX}{}", &rest[..ID_LEN]));
        Ok((ApiKeyToken(Zeroizing::new(s.to_owned())), id))
    }

    /// The key string. Show it to its owner once; never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKeyToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeyToken(<redacted>)")
    }
}

/// A fresh v1 signing secret (`trgs_…`), zeroed on drop.
pub fn generate_signing_secret() -> Zeroizing<String> {
    Zeroizing::new(format!(
        "{SIGNING_SECRET_PREFIX}{}",
        random_base62(SIGNING_SECRET_LEN)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back_to_their_id() {
        let id = KeyId::generate();
        let token = ApiKeyToken::generate(&id);
        assert_eq!(token.expose().len(), API_KEY_LEN);
        let (parsed, parsed_id) = ApiKeyToken::parse(token.expose()).expect("valid key");
        assert_eq!(parsed_id, id);
        assert_eq!(parsed.expose(), token.expose());
    }

    #[test]
    fn every_single_character_typo_is_rejected_before_lookup() {
        let token = ApiKeyToken::generate(&KeyId::generate());
        let s = token.expose().to_owned();
        for i in API_KEY_PREFIX.len()..s.len() {
            let mut bytes = s.clone().into_bytes();
            bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
            let typo = String::from_utf8(bytes).expect("ascii");
            assert!(ApiKeyToken::parse(&typo).is_err(), "typo at {i} accepted");
        }
    }

    #[test]
    fn malformed_keys_are_rejected() {
        for bad in ["", "trgk_", "sk_live_abc", &"trgk_".repeat(12), "trgk_ä"] {
            assert!(ApiKeyToken::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn legacy_ids_get_well_formed_keys_naming_no_key() {
        for raw in ["1", "k", "key_", "key_short", "legacy/42", &"x".repeat(128)] {
            let id = KeyId::legacy(raw.to_owned()).expect("valid legacy id");
            assert!(!id.is_canonical());
            let token = ApiKeyToken::generate(&id);
            let (_, named) = ApiKeyToken::parse(token.expose()).expect("well-formed");
            assert_ne!(named, id);
            assert!(named.is_canonical());
        }
        for bad in ["", " ", "a b", "é", "tab\t", &"x".repeat(129)] {
            assert!(KeyId::legacy(bad.to_owned()).is_err(), "{bad:?}");
        }
        let canonical = KeyId::generate();
        assert_eq!(KeyId::legacy(canonical.as_str().to_owned()), Ok(canonical));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let token = ApiKeyToken::generate(&KeyId::generate());
        assert!(!format!("{token:?}").contains(&token.expose()[5..]));
    }
}
