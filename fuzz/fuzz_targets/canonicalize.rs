//! `canonical_path`, `canonical_query`, `canonical_method` and
//! `canonical_string` on arbitrary UTF-8: no panic; each agrees with the naive
//! oracle of `triggers_fuzz` (same output, same success or failure); every
//! output has only canonical characters and is a fixed point (idempotence);
//! a reported `BadEncoding` offset points at the offending `%`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use triggers_fuzz::{
    check_string_to_sign, is_canonical_query, is_encoded, oracle_path, oracle_query,
};
use triggers_signing::{
    BodyHash, Component, Error, canonical_method, canonical_path, canonical_query,
    canonical_string, split_target,
};

fn check_bad_encoding(err: &Error, input: &str, component: Component) {
    match err {
        Error::BadEncoding {
            component: c,
            offset,
        } => {
            assert_eq!(*c, component, "wrong component for {input:?}");
            assert_eq!(
                input.as_bytes().get(*offset),
                Some(&b'%'),
                "offset {offset} in {input:?}"
            );
        }
        other => panic!("unexpected error {other:?} for {input:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };

    // PATH (any string, as if it were the part before `?`).
    match canonical_path(s) {
        Ok(p) => {
            assert_eq!(Some(&p), oracle_path(s).as_ref(), "path {s:?}");
            assert!(!p.is_empty() && is_encoded(&p, b"/"), "path {s:?} -> {p:?}");
            assert_eq!(
                canonical_path(&p).as_ref(),
                Ok(&p),
                "path not idempotent: {s:?}"
            );
        }
        Err(e) => {
            assert_eq!(oracle_path(s), None, "path {s:?}: {e:?}");
            check_bad_encoding(&e, s, Component::Path);
        }
    }

    // QUERY.
    match canonical_query(s) {
        Ok(q) => {
            assert_eq!(Some(&q), oracle_query(s).as_ref(), "query {s:?}");
            assert!(is_canonical_query(&q), "query {s:?} -> {q:?}");
            assert_eq!(
                canonical_query(&q).as_ref(),
                Ok(&q),
                "query not idempotent: {s:?}"
            );
        }
        Err(e) => {
            assert_eq!(oracle_query(s), None, "query {s:?}: {e:?}");
            check_bad_encoding(&e, s, Component::Query);
        }
    }

    // METHOD.
    if let Ok(m) = canonical_method(s) {
        assert_eq!(m, s.to_ascii_uppercase());
        assert_eq!(canonical_method(&m).as_ref(), Ok(&m));
    }

    // The whole string to sign, with `s` as the target; then again with the
    // canonical target it describes (a fixed point).
    let hash = BodyHash::of(data);
    let (path, query) = split_target(s);
    match canonical_string("get", s, "1700000000", &hash) {
        Ok(c) => {
            if let Err(why) = check_string_to_sign(&c, "1700000000") {
                panic!("{why}: {s:?} -> {c:?}");
            }
            let lines: Vec<&str> = c.split('\n').collect();
            assert_eq!(lines[0], "GET");
            assert_eq!(Ok(lines[1].to_owned()), canonical_path(path));
            assert_eq!(
                Ok(lines[2].to_owned()),
                query.map_or(Ok(String::new()), canonical_query)
            );
            assert_eq!(lines[4], hash.to_hex());
            let target = format!("{}?{}", lines[1], lines[2]);
            assert_eq!(
                canonical_string("GET", &target, "1700000000", &hash).as_ref(),
                Ok(&c)
            );
        }
        Err(e) => {
            let component = if canonical_path(path).is_err() {
                Component::Path
            } else {
                Component::Query
            };
            let part = match component {
                Component::Path => path,
                Component::Query => query.unwrap_or_default(),
            };
            check_bad_encoding(&e, part, component);
        }
    }
});
