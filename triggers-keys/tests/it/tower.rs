//! `triggers-tower` lookups over the key service (feature `tower`).

use triggers_keys::{KeyRole, KeySpec};
use triggers_tower::api_key::{ApiKeyValidator, KeyRejection};
use triggers_tower::signature::{LookupError, SecretLookup};

use crate::{accepts, fresh_service};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_validates_keys_and_looks_up_secrets() {
    let (_dir, keys, clock) = fresh_service().await;
    let spec = KeySpec {
        account_id: "acct_1".into(),
        name: "ci".into(),
        role: KeyRole::Standard,
        require_signature: true,
    };
    let new = keys.create(spec).await.unwrap();
    let key = new.issued.api_key.expose().to_owned();

    let who = keys.validate(&key).await.unwrap();
    assert_eq!((who.key.account_id.as_str(), who.version), ("acct_1", 1));
    assert!(who.key.require_signature);
    let mut typo = key.clone().into_bytes();
    typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    assert!(matches!(
        keys.validate(&typo).await,
        Err(KeyRejection::Invalid)
    ));

    let secrets = keys.lookup(new.key.key_id.as_str()).await.unwrap();
    assert_eq!(accepts(&secrets, &new.issued.signing_secret), Some(0));
    assert!(matches!(
        keys.lookup("key_0000000000000000").await,
        Err(LookupError::UnknownKey)
    ));
    assert!(matches!(
        keys.lookup("not a key id").await,
        Err(LookupError::UnknownKey)
    ));

    let r = keys
        .rotate("acct_1", &new.key.key_id, Some(60))
        .await
        .unwrap();
    clock.advance(60);
    assert!(matches!(
        keys.validate(&key).await,
        Err(KeyRejection::Expired)
    ));
    assert!(keys.validate(r.issued.api_key.expose()).await.is_ok());
    keys.revoke("acct_1", &new.key.key_id).await.unwrap();
    assert!(matches!(
        keys.validate(r.issued.api_key.expose()).await,
        Err(KeyRejection::Revoked)
    ));
    assert!(matches!(
        keys.lookup(new.key.key_id.as_str()).await,
        Err(LookupError::UnknownKey)
    ));
}
