//! Events, idempotency, inbox, ack, account isolation.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Server, TestBackend, error_code, event};

#[tokio::test]
async fn create_get_and_ack_an_event() {
    create_get_and_ack_an_event_on(TestBackend::Sqlite).await;
}

/// [`create_get_and_ack_an_event`] on `backend` (also run on AWS: `on_aws`).
pub(crate) async fn create_get_and_ack_an_event_on(backend: TestBackend) {
    let s = Server::start_on(backend, |_| {}).await;
    let res = s
        .post_json(
            "/v1/events",
            &s.admin_key,
            event("shop", "order.created", 1),
        )
        .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    let id = created["event_id"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4);
    assert_eq!(location, format!("/v1/events/{id}"));
    assert_eq!(created["source"], "shop");
    assert_eq!(created["payload"], json!({ "n": 1 }));
    assert_eq!(created["status"], "pending");
    assert!(
        time::OffsetDateTime::parse(
            created["received_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok()
    );

    let got: Value = s.get(&location, &s.admin_key).await.json().await.unwrap();
    assert_eq!(got, created);

    let res = s
        .req(Method::POST, &format!("{location}/ack"), &s.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let acked: Value = res.json().await.unwrap();
    assert_eq!(acked["status"], "acknowledged");
    // Acking again keeps the first time.
    let again: Value = s
        .req(Method::POST, &format!("{location}/ack"), &s.admin_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["acked_at"], acked["acked_at"]);
    s.stop().await;
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_original_event() {
    the_same_idempotency_key_returns_the_original_event_on(TestBackend::Sqlite).await;
}

/// [`the_same_idempotency_key_returns_the_original_event`] on `backend` (also run on AWS: `on_aws`).
pub(crate) async fn the_same_idempotency_key_returns_the_original_event_on(backend: TestBackend) {
    let s = Server::start_on(backend, |_| {}).await;
    let body = json!({ "source": "shop", "event_type": "order.created",
                       "payload": { "a": 1 }, "idempotency_key": "order-1" });
    let first = s.post_json("/v1/events", &s.admin_key, body.clone()).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let second = s.post_json("/v1/events", &s.admin_key, body.clone()).await;
    assert_eq!(second.status(), 200);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second: Value = second.json().await.unwrap();
    assert_eq!(second["event_id"], first["event_id"]);

    // Same key, other content: refused, not silently merged.
    let mut other = body.clone();
    other["payload"] = json!({ "a": 2 });
    let (status, code) = error_code(s.post_json("/v1/events", &s.admin_key, other).await).await;
    assert_eq!((status, code.as_str()), (409, "idempotency_key_reused"));

    // Only one event is in the inbox.
    let inbox: Value = s.get("/v1/inbox", &s.admin_key).await.json().await.unwrap();
    assert_eq!(inbox["events"].as_array().unwrap().len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn inbox_pages_oldest_first_with_filters_and_cursor() {
    inbox_pages_oldest_first_with_filters_and_cursor_on(TestBackend::Sqlite).await;
}

/// [`inbox_pages_oldest_first_with_filters_and_cursor`] on `backend` (also run on AWS: `on_aws`).
pub(crate) async fn inbox_pages_oldest_first_with_filters_and_cursor_on(backend: TestBackend) {
    let s = Server::start_on(backend, |_| {}).await;
    let mut ids = Vec::new();
    for n in 0..7 {
        let source = if n % 2 == 0 { "shop" } else { "crm" };
        let v: Value = s
            .post_json("/v1/events", &s.admin_key, event(source, "t.created", n))
            .await
            .json()
            .await
            .unwrap();
        ids.push((source, v["event_id"].as_str().unwrap().to_owned()));
    }
    // Paginate everything by 3.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/inbox?limit=3&cursor={c}"),
            None => "/v1/inbox?limit=3".to_owned(),
        };
        let page: Value = s.get(&path, &s.admin_key).await.json().await.unwrap();
        for e in page["events"].as_array().unwrap() {
            seen.push(e["event_id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let all: Vec<String> = ids.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(seen, all, "every event once, oldest first");

    let shop: Value = s
        .get("/v1/inbox?source=shop", &s.admin_key)
        .await
        .json()
        .await
        .unwrap();
    let shop_ids: Vec<&str> = shop["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = ids
        .iter()
        .filter(|(src, _)| *src == "shop")
        .map(|(_, id)| id.as_str())
        .collect();
    assert_eq!(shop_ids, expected);

    // Acked events leave the inbox.
    s.req(
        Method::POST,
        &format!("/v1/events/{}/ack", all[0]),
        &s.admin_key,
    )
    .send()
    .await
    .unwrap();
    let inbox: Value = s.get("/v1/inbox", &s.admin_key).await.json().await.unwrap();
    assert_eq!(inbox["events"].as_array().unwrap().len(), 6);
    assert_eq!(inbox["events"][0]["event_id"], all[1].as_str());
    s.stop().await;
}

#[tokio::test]
async fn no_key_sees_another_accounts_events() {
    let s = Server::start().await;
    // A key of another account, made through the CLI path (KeyService).
    let other = s
        .post_json("/v1/events", &s.admin_key, event("shop", "secret.thing", 1))
        .await;
    let id = other.json::<Value>().await.unwrap()["event_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, foreign_key, _) = crate::support::foreign_account_key(&s).await;

    let (status, code) = error_code(s.get(&format!("/v1/events/{id}"), &foreign_key).await).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    let res = s
        .req(Method::POST, &format!("/v1/events/{id}/ack"), &foreign_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let inbox: Value = s.get("/v1/inbox", &foreign_key).await.json().await.unwrap();
    assert_eq!(inbox["events"], json!([]));
    // The owner still sees it unacknowledged.
    let mine: Value = s
        .get(&format!("/v1/events/{id}"), &s.admin_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["status"], "pending");
    s.stop().await;
}
