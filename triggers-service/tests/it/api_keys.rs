//! API keys over HTTP: create, list, rotate with a transition, versions,
//! expiry, revoke, roles, isolation.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Server, TestBackend, error_code, foreign_account_key};

#[tokio::test]
async fn create_shows_secrets_once_and_list_pages() {
    create_shows_secrets_once_and_list_pages_on(TestBackend::Sqlite).await;
}

/// [`create_shows_secrets_once_and_list_pages`] on `backend` (also run on AWS: `on_aws`).
pub(crate) async fn create_shows_secrets_once_and_list_pages_on(backend: TestBackend) {
    let s = Server::start_on(backend, |_| {}).await;
    let res = s
        .post_json("/v1/api-keys", &s.admin_key, json!({ "name": "ci" }))
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let key_id = created["key_id"].as_str().unwrap().to_owned();
    assert!(created["api_key"].as_str().unwrap().starts_with("trgk_"));
    assert!(
        created["signing_secret"]
            .as_str()
            .unwrap()
            .starts_with("trgs_")
    );
    assert_eq!(created["role"], "standard");
    assert_eq!(created["version"]["status"], "active");

    // Never again: not in get, not in list.
    let got: Value = s
        .get(&format!("/v1/api-keys/{key_id}"), &s.admin_key)
        .await
        .json()
        .await
        .unwrap();
    assert!(got.get("api_key").is_none() && got.get("signing_secret").is_none());
    assert_eq!(got["key_id"], key_id.as_str());

    for n in 0..4 {
        s.post_json(
            "/v1/api-keys",
            &s.admin_key,
            json!({ "name": format!("k{n}") }),
        )
        .await;
    }
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/api-keys?limit=2&cursor={c}"),
            None => "/v1/api-keys?limit=2".into(),
        };
        let page: Value = s.get(&path, &s.admin_key).await.json().await.unwrap();
        for k in page["api_keys"].as_array().unwrap() {
            assert!(k.get("api_key").is_none());
            all.push(k["key_id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(all.len(), 6, "admin + ci + 4: {all:?}");
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 6);
    s.stop().await;
}

#[tokio::test]
async fn rotation_keeps_the_old_key_during_the_transition() {
    rotation_keeps_the_old_key_during_the_transition_on(TestBackend::Sqlite).await;
}

/// [`rotation_keeps_the_old_key_during_the_transition`] on `backend` (also run on AWS: `on_aws`).
pub(crate) async fn rotation_keeps_the_old_key_during_the_transition_on(backend: TestBackend) {
    let s = Server::start_on(backend, |_| {}).await;
    let (key_id, old_key, _) = s.create_key(json!({ "name": "svc" })).await;
    let res = s
        .post_json(
            &format!("/v1/api-keys/{key_id}/rotate"),
            &s.admin_key,
            json!({ "transition_seconds": 3600 }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let rotated: Value = res.json().await.unwrap();
    let new_key = rotated["api_key"].as_str().unwrap().to_owned();
    assert_ne!(new_key, old_key);
    assert_eq!(rotated["version"]["version"], 2);
    assert_eq!(rotated["version"]["previous_version"], 1);

    // Both work now.
    assert_eq!(s.get("/v1/inbox", &old_key).await.status(), 200);
    assert_eq!(s.get("/v1/inbox", &new_key).await.status(), 200);

    let versions: Value = s
        .get(&format!("/v1/api-keys/{key_id}/versions"), &s.admin_key)
        .await
        .json()
        .await
        .unwrap();
    let v = versions["versions"].as_array().unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["status"], "rotating");
    assert!(v[0]["expires_at"].is_string());
    assert_eq!(v[1]["status"], "active");

    // Rotating again during the transition ends the first transition now.
    let third: Value = s
        .post_json(
            &format!("/v1/api-keys/{key_id}/rotate"),
            &s.admin_key,
            json!({ "transition_seconds": 3600 }),
        )
        .await
        .json()
        .await
        .unwrap();
    let (status, code) = error_code(s.get("/v1/inbox", &old_key).await).await;
    assert_eq!((status, code.as_str()), (401, "key_expired"));
    assert_eq!(s.get("/v1/inbox", &new_key).await.status(), 200);
    assert_eq!(
        s.get("/v1/inbox", third["api_key"].as_str().unwrap())
            .await
            .status(),
        200
    );
    s.stop().await;
}

#[tokio::test]
async fn immediate_rotation_expires_the_old_key_and_revoke_refuses_all() {
    immediate_rotation_expires_the_old_key_and_revoke_refuses_all_on(TestBackend::Sqlite).await;
}

/// [`immediate_rotation_expires_the_old_key_and_revoke_refuses_all`] on `backend` (also run on AWS: `on_aws`).
pub(crate) async fn immediate_rotation_expires_the_old_key_and_revoke_refuses_all_on(
    backend: TestBackend,
) {
    let s = Server::start_on(backend, |_| {}).await;
    let (key_id, old_key, _) = s.create_key(json!({ "name": "svc" })).await;
    // Empty body: defaults apply; then an immediate one.
    let res = s
        .req(
            Method::POST,
            &format!("/v1/api-keys/{key_id}/rotate"),
            &s.admin_key,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v2: Value = res.json().await.unwrap();
    let v2_key = v2["api_key"].as_str().unwrap().to_owned();
    let v3: Value = s
        .post_json(
            &format!("/v1/api-keys/{key_id}/rotate"),
            &s.admin_key,
            json!({ "transition_seconds": 0 }),
        )
        .await
        .json()
        .await
        .unwrap();
    for k in [&old_key, &v2_key] {
        assert_eq!(
            error_code(s.get("/v1/inbox", k).await).await,
            (401, "key_expired".into())
        );
    }
    let v3_key = v3["api_key"].as_str().unwrap().to_owned();
    assert_eq!(s.get("/v1/inbox", &v3_key).await.status(), 200);

    let res = s
        .post_json(
            &format!("/v1/api-keys/{key_id}/rotate"),
            &s.admin_key,
            json!({ "transition_seconds": 99_999_999 }),
        )
        .await;
    assert_eq!(error_code(res).await, (400, "invalid_transition".into()));

    let res = s
        .req(
            Method::DELETE,
            &format!("/v1/api-keys/{key_id}"),
            &s.admin_key,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "revoked");
    assert_eq!(
        error_code(s.get("/v1/inbox", &v3_key).await).await,
        (401, "key_revoked".into())
    );
    s.stop().await;
}

#[tokio::test]
async fn only_admin_keys_manage_keys_and_only_in_their_account() {
    let s = Server::start().await;
    let (_, standard, _) = s.create_key(json!({ "name": "std" })).await;
    let res = s
        .post_json("/v1/api-keys", &standard, json!({ "name": "x" }))
        .await;
    assert_eq!(error_code(res).await, (403, "forbidden".into()));

    let (foreign_id, foreign_admin, _) = foreign_account_key(&s).await;
    // Our admin cannot see, rotate or revoke the other account's key.
    for (method, path) in [
        (Method::GET, format!("/v1/api-keys/{foreign_id}")),
        (Method::GET, format!("/v1/api-keys/{foreign_id}/versions")),
        (Method::POST, format!("/v1/api-keys/{foreign_id}/rotate")),
        (Method::DELETE, format!("/v1/api-keys/{foreign_id}")),
    ] {
        let res = s.req(method, &path, &s.admin_key).send().await.unwrap();
        assert_eq!(error_code(res).await, (404, "not_found".into()), "{path}");
    }
    let theirs: Value = s
        .get("/v1/api-keys", &foreign_admin)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = theirs["api_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![foreign_id.as_str()]);
    s.stop().await;
}
