//! The safe half: everything the C functions do once their pointers are
//! slices. Errors are ABI error numbers.

use triggers_signing::webhook::{self, WebhookHeaders, WebhookSecret, WebhookVerifier};
use triggers_signing::{BodyHash, Secret, SignatureHeaders, SignedHeaders, Verifier};

use crate::codes::{
    TRIGGERS_ERR_INVALID_ARGUMENT, TRIGGERS_ERR_INVALID_SECRET, TRIGGERS_ERR_INVALID_UTF8,
    from_error,
};

/// Result with an ABI error number.
pub(crate) type Res<T> = Result<T, i32>;

/// A text argument.
pub(crate) fn text(bytes: &[u8]) -> Res<&str> {
    core::str::from_utf8(bytes).map_err(|_| TRIGGERS_ERR_INVALID_UTF8)
}

/// Secrets passed back to back in one buffer, with their lengths.
#[derive(Clone, Copy)]
pub(crate) struct SecretList<'a> {
    data: &'a [u8],
    lens: &'a [usize],
}

impl<'a> SecretList<'a> {
    /// The total byte length of a list with these lengths.
    pub(crate) fn total_len(lens: &[usize]) -> Res<usize> {
        lens.iter()
            .try_fold(0usize, |acc, l| acc.checked_add(*l))
            .filter(|t| isize::try_from(*t).is_ok())
            .ok_or(TRIGGERS_ERR_INVALID_ARGUMENT)
    }

    /// `data` must be exactly `total_len(lens)` bytes.
    pub(crate) fn new(data: &'a [u8], lens: &'a [usize]) -> Res<Self> {
        if Self::total_len(lens)? != data.len() {
            return Err(TRIGGERS_ERR_INVALID_ARGUMENT);
        }
        Ok(SecretList { data, lens })
    }

    fn iter(self) -> impl Iterator<Item = &'a [u8]> {
        let mut rest = self.data;
        self.lens.iter().map(move |len| {
            // `new` checked that the lengths add up to `data.len()`.
            let (head, tail) = rest.split_at(*len);
            rest = tail;
            head
        })
    }

    fn request_secrets(self) -> Res<Vec<Secret>> {
        self.iter()
            .map(|s| Secret::new(s).map_err(|e| from_error(&e)))
            .collect()
    }

    fn webhook_secrets(self) -> Res<Vec<WebhookSecret>> {
        let texts = self.iter().map(text).collect::<Res<Vec<&str>>>()?;
        texts
            .into_iter()
            .map(|s| WebhookSecret::parse(s).map_err(|e| from_error(&e)))
            .collect()
    }
}

pub(crate) fn sign_request(
    method: &[u8],
    target: &[u8],
    body: &[u8],
    secret: &[u8],
    timestamp: u64,
) -> Res<SignedHeaders> {
    let method = text(method)?;
    let target = text(target)?;
    let secret = Secret::new(secret).map_err(|e| from_error(&e))?;
    triggers_signing::sign(&secret, method, target, timestamp, body).map_err(|e| from_error(&e))
}

/// Returns the index of the secret that matched.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_request(
    method: &[u8],
    target: &[u8],
    body: &[u8],
    headers: SignatureHeaders<'_>,
    secrets: SecretList<'_>,
    tolerance: u64,
    now: u64,
) -> Res<usize> {
    let method = text(method)?;
    let target = text(target)?;
    let verifier = Verifier::new(secrets.request_secrets()?).tolerance(tolerance);
    verifier
        .verify(method, target, &BodyHash::of(body), &headers, now)
        .map(|v| v.secret_index)
        .map_err(|e| from_error(&e))
}

pub(crate) fn sign_webhook(
    id: &[u8],
    timestamp: u64,
    body: &[u8],
    secrets: SecretList<'_>,
) -> Res<String> {
    let id = text(id)?;
    let secrets = secrets.webhook_secrets()?;
    if secrets.is_empty() {
        return Err(TRIGGERS_ERR_INVALID_SECRET);
    }
    webhook::sign_all(&secrets, id, timestamp, body).map_err(|e| from_error(&e))
}

pub(crate) fn verify_webhook(
    headers: WebhookHeaders<'_>,
    body: &[u8],
    secrets: SecretList<'_>,
    tolerance: u64,
    now: u64,
) -> Res<u64> {
    let verifier = WebhookVerifier::new(secrets.webhook_secrets()?).tolerance(tolerance);
    verifier
        .verify(&headers, body, now)
        .map_err(|e| from_error(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_lists_split_at_the_given_lengths() {
        let data = b"abcdef";
        let list = SecretList::new(data, &[1, 0, 5]).expect("adds up");
        let parts: Vec<&[u8]> = list.iter().collect();
        assert_eq!(parts, [&b"a"[..], b"", b"bcdef"]);
        assert_eq!(
            SecretList::new(data, &[1, 2]).err(),
            Some(TRIGGERS_ERR_INVALID_ARGUMENT)
        );
        assert_eq!(
            SecretList::total_len(&[usize::MAX, 1]),
            Err(TRIGGERS_ERR_INVALID_ARGUMENT)
        );
    }
}
