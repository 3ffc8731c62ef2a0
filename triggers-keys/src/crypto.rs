//! Secrets at rest: API keys are stored as SHA-256 hashes; signing secrets
//! are sealed with XChaCha20-Poly1305 under a master key.

use core::fmt;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::KeyError;

const SEAL_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;

/// The SHA-256 of an API key string: what the store keeps instead of the key.
///
/// API keys carry about 190 bits of randomness, so a fast hash is enough: no
/// dictionary can reach them. Equality is constant-time.
#[derive(Clone, Copy, Eq)]
pub struct KeyHash([u8; 32]);

impl KeyHash {
    /// Hashes a key string.
    pub fn of(key: &str) -> Self {
        KeyHash(Sha256::digest(key.as_bytes()).into())
    }

    /// Wraps a stored hash.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        KeyHash(bytes)
    }

    /// The 32 hash bytes (for storage).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq for KeyHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyHash(..)")
    }
}

/// The 256-bit master key that seals signing secrets. Zeroed on drop, never
/// in `Debug`.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    /// A fresh random master key.
    pub fn generate() -> Self {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        MasterKey(Zeroizing::new(key.into()))
    }

    /// Wraps 32 key bytes (for example read from the key file).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        MasterKey(Zeroizing::new(bytes))
    }

    /// The key bytes, for writing the key file. Handle with care.
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.0).into())
    }

    /// Seals `plaintext`, bound to `context` (for example `key_id/version`):
    /// a sealed value moved to another record fails to open.
    ///
    /// ```
    /// use triggers_keys::MasterKey;
    /// let mk = MasterKey::generate();
    /// let sealed = mk.seal(b"trgs_secret", b"key_x/1").unwrap();
    /// assert_eq!(&*mk.open(&sealed, b"key_x/1").unwrap(), b"trgs_secret");
    /// assert!(mk.open(&sealed, b"key_y/1").is_err());
    /// ```
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, KeyError> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .map_err(|_| KeyError::Crypto)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(SEAL_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens a value sealed by [`MasterKey::seal`] with the same context.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        if sealed.len() < 1 + NONCE_LEN || sealed[0] != SEAL_VERSION {
            return Err(KeyError::Crypto);
        }
        let nonce = XNonce::from_slice(&sealed[1..1 + NONCE_LEN]);
        self.cipher()
            .decrypt(
                nonce,
                Payload {
                    msg: &sealed[1 + NONCE_LEN..],
                    aad: context,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| KeyError::Crypto)
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}
