//! Where the key id that selects the signing secrets comes from.

use std::fmt;
use std::sync::Arc;

use http::header::HeaderName;
use http::request::Parts;

/// The default key-id header: `x-key-id`.
///
/// ```
/// assert_eq!(triggers_tower::signature::DEFAULT_KEY_ID_HEADER, "x-key-id");
/// ```
pub const DEFAULT_KEY_ID_HEADER: &str = "x-key-id";

/// Longest key id accepted from a header, in bytes.
const MAX_KEY_ID_LEN: usize = 256;

type FromExtensions = Arc<dyn Fn(&http::Extensions) -> Option<String> + Send + Sync>;

/// Where [`VerifySignature`](super::VerifySignature) reads the key id that it
/// passes to the [`SecretLookup`](super::SecretLookup).
///
/// * [`KeyIdSource::header`] (the default, `x-key-id`): the client names its
///   key. The value must be a single header of 1–256 visible ASCII bytes
///   (otherwise `400 malformed_key_id`); an absent header is
///   `401 missing_key_id`.
/// * [`KeyIdSource::extension`]: an earlier layer established who the client
///   is, typically [`ApiKeyLayer`](crate::api_key::ApiKeyLayer) inserting
///   [`Authenticated<I>`](crate::api_key::Authenticated), and the signing key
///   follows from that identity. No extension (or `None` from the closure) is
///   `401 missing_key_id`. Put the earlier layer *outside* the signature layer.
/// * [`KeyIdSource::fixed`]: one key id for every request (a single-tenant
///   service with one secret set).
///
/// ```
/// use http::HeaderName;
/// use triggers_tower::api_key::Authenticated;
/// use triggers_tower::signature::KeyIdSource;
///
/// #[derive(Clone)]
/// struct Client { account: String }
///
/// let from_header = KeyIdSource::header(HeaderName::from_static("x-signing-key"));
/// let from_identity = KeyIdSource::extension(|auth: &Authenticated<Client>| Some(auth.account.clone()));
/// let single = KeyIdSource::fixed("default");
/// # let _ = (from_header, from_identity, single);
/// ```
#[derive(Clone)]
pub struct KeyIdSource(Source);

#[derive(Clone)]
enum Source {
    Header(HeaderName),
    Extension {
        type_name: &'static str,
        read: FromExtensions,
    },
    Fixed(Arc<str>),
}

/// Why no key id could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyIdError {
    Missing,
    Malformed,
}

impl KeyIdSource {
    /// Read the key id from this request header.
    ///
    /// ```
    /// use triggers_tower::signature::KeyIdSource;
    /// let source = KeyIdSource::header(http::HeaderName::from_static("x-client-id"));
    /// # let _ = source;
    /// ```
    pub fn header(name: HeaderName) -> Self {
        KeyIdSource(Source::Header(name))
    }

    /// Derive the key id from a request extension of type `T` inserted by an
    /// earlier layer.
    ///
    /// ```
    /// use triggers_tower::api_key::Authenticated;
    /// use triggers_tower::signature::KeyIdSource;
    /// // The API key layer's identity *is* the key id here.
    /// let source = KeyIdSource::extension(|auth: &Authenticated<String>| Some(auth.0.clone()));
    /// # let _ = source;
    /// ```
    pub fn extension<T, F>(read: F) -> Self
    where
        T: Send + Sync + 'static,
        F: Fn(&T) -> Option<String> + Send + Sync + 'static,
    {
        KeyIdSource(Source::Extension {
            type_name: std::any::type_name::<T>(),
            read: Arc::new(move |extensions: &http::Extensions| {
                extensions.get::<T>().and_then(&read)
            }),
        })
    }

    /// Use the same key id for every request.
    ///
    /// ```
    /// let source = triggers_tower::signature::KeyIdSource::fixed("default");
    /// # let _ = source;
    /// ```
    pub fn fixed(key_id: impl Into<String>) -> Self {
        KeyIdSource(Source::Fixed(Arc::from(key_id.into())))
    }

    pub(crate) fn resolve(&self, parts: &Parts) -> Result<String, KeyIdError> {
        match &self.0 {
            Source::Header(name) => {
                let mut values = parts.headers.get_all(name).iter();
                let value = values.next().ok_or(KeyIdError::Missing)?;
                if values.next().is_some() {
                    return Err(KeyIdError::Malformed);
                }
                let bytes = value.as_bytes();
                if bytes.is_empty()
                    || bytes.len() > MAX_KEY_ID_LEN
                    || !bytes.iter().all(u8::is_ascii_graphic)
                {
                    return Err(KeyIdError::Malformed);
                }
                value
                    .to_str()
                    .map(str::to_owned)
                    .map_err(|_| KeyIdError::Malformed)
            }
            Source::Extension { read, .. } => read(&parts.extensions)
                .filter(|id| !id.is_empty())
                .ok_or(KeyIdError::Missing),
            Source::Fixed(id) => Ok(id.to_string()),
        }
    }
}

impl Default for KeyIdSource {
    /// The `x-key-id` header.
    fn default() -> Self {
        KeyIdSource::header(HeaderName::from_static(DEFAULT_KEY_ID_HEADER))
    }
}

impl fmt::Debug for KeyIdSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Header(name) => f.debug_tuple("Header").field(name).finish(),
            Source::Extension { type_name, .. } => {
                f.debug_tuple("Extension").field(type_name).finish()
            }
            Source::Fixed(id) => f.debug_tuple("Fixed").field(id).finish(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut builder = http::Request::builder();
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn header_source() {
        let source = KeyIdSource::default();
        assert_eq!(
            source.resolve(&parts(&[("x-key-id", "demo")])),
            Ok("demo".into())
        );
        assert_eq!(source.resolve(&parts(&[])), Err(KeyIdError::Missing));
        assert_eq!(
            source.resolve(&parts(&[("x-key-id", "")])),
            Err(KeyIdError::Malformed)
        );
        assert_eq!(
            source.resolve(&parts(&[("x-key-id", "a b")])),
            Err(KeyIdError::Malformed)
        );
        assert_eq!(
            source.resolve(&parts(&[("x-key-id", "a"), ("x-key-id", "b")])),
            Err(KeyIdError::Malformed)
        );
        let long = "k".repeat(MAX_KEY_ID_LEN + 1);
        assert_eq!(
            source.resolve(&parts(&[("x-key-id", &long)])),
            Err(KeyIdError::Malformed)
        );
    }

    #[test]
    fn extension_source() {
        #[derive(Clone)]
        struct Who(&'static str);
        let source = KeyIdSource::extension(|w: &Who| Some(w.0.to_owned()));
        let mut p = parts(&[("x-key-id", "ignored")]);
        assert_eq!(source.resolve(&p), Err(KeyIdError::Missing));
        p.extensions.insert(Who("acme"));
        assert_eq!(source.resolve(&p), Ok("acme".into()));
        p.extensions.insert(Who(""));
        assert_eq!(source.resolve(&p), Err(KeyIdError::Missing));
        assert!(format!("{source:?}").contains("Who"));
    }

    #[test]
    fn fixed_source() {
        let source = KeyIdSource::fixed("one");
        assert_eq!(source.resolve(&parts(&[])), Ok("one".into()));
    }
}
