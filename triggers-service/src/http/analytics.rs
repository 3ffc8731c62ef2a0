//! `/v1/analytics/*`: summary, timeseries, breakdown and export over the
//! caller's account (admin keys only), and the recorder layer that feeds
//! the in-process analytics host (`core::analytics`).
//!
//! Times are RFC 3339 in and out; ranges are rounded out to whole buckets
//! (minutes for summary and breakdown). Summary and breakdown read the
//! fewest stored buckets that cover the range (day and hour rollups plus
//! the minutes at the edges: [`covering`]); timeseries and export read
//! the buckets of the requested width.

use std::time::Instant;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Deserialize;
use serde_json::{Value, json};
use triggers_analytics::store::{covering, list_all};
use triggers_analytics::{
    BreakdownQuery, Bucket, Dimension, ExportRow, Filter, Granularity, MAX_TIME, Metric,
    QueryError, Record, TimeRange, TimeseriesQuery, breakdown, summary, timeseries,
};
use triggers_tower::api_key::Authenticated;
use uuid::Uuid;

use crate::auth::Caller;
use crate::core::time::{now_micros, parse_rfc3339_micros, rfc3339_micros};
use crate::error::ApiError;
use crate::http::query;
use crate::state::AppState;

/// The most points one timeseries answers.
pub const MAX_POINTS: i64 = 10_000;

/// Buckets per page of an export (each page is read, then streamed).
const EXPORT_PAGE: usize = 500;

/// When the request arrived (set by the envelope, the outermost layer):
/// ingest latency runs from here.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    /// Monotonic.
    pub instant: Instant,
    /// Unix microseconds.
    pub at: i64,
}

impl Arrival {
    /// Now.
    pub fn now() -> Self {
        Arrival {
            instant: Instant::now(),
            at: now_micros(),
        }
    }
}

/// Route layer (inside API-key authentication): records an `ApiRequest`
/// with the response status of every authenticated request.
pub async fn record_request(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !state.recorder.is_enabled() {
        return next.run(req).await;
    }
    let account = req
        .extensions()
        .get::<Authenticated<Caller>>()
        .map(|a| a.0.account_id.clone());
    let at = req
        .extensions()
        .get::<Arrival>()
        .map_or_else(now_micros, |a| a.at);
    let res = next.run(req).await;
    if let Some(account) = account {
        state.recorder.record(Record::ApiRequest {
            account,
            request_id: Uuid::new_v4().as_u128(),
            status: res.status().as_u16(),
            at,
        });
    }
    res
}

impl From<triggers_analytics::store::StoreError> for ApiError {
    fn from(e: triggers_analytics::store::StoreError) -> Self {
        use triggers_analytics::store::StoreError as E;
        match e {
            E::Backend(_) => ApiError::unavailable(&e),
            _ => ApiError::internal(&e),
        }
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_query", message)
}

fn time_param(raw: Option<&str>, name: &str) -> Result<Option<i64>, ApiError> {
    raw.map(|s| {
        parse_rfc3339_micros(s).ok_or_else(|| {
            invalid(format!(
                "`{name}`: expected an RFC 3339 time like 2026-01-31T12:00:00Z"
            ))
        })
    })
    .transpose()
}

/// The range of `from`/`to` rounded out to `g` (defaults: the 24 hours up to
/// now), clamped to 1970..9999; `Err(start)` when it is empty.
fn range(
    from: Option<&str>,
    to: Option<&str>,
    g: Granularity,
) -> Result<Result<TimeRange, i64>, ApiError> {
    let last = g.start_of(MAX_TIME);
    let to = time_param(to, "to")?.unwrap_or_else(now_micros);
    let from = time_param(from, "from")?.unwrap_or(to.saturating_sub(triggers_analytics::DAY_US));
    let from = g.start_of(from.clamp(0, last));
    let to = g
        .start_of(to.clamp(0, last).saturating_add(g.micros() - 1))
        .min(last);
    Ok(TimeRange::new(from, to).map_err(|_| from))
}

fn name_param(raw: Option<String>, name: &str) -> Result<Option<String>, ApiError> {
    match raw {
        Some(v) if v.is_empty() || v.chars().count() > 255 || v.chars().any(char::is_control) => {
            Err(invalid(format!(
                "`{name}`: 1 to 255 characters without control characters"
            )))
        }
        v => Ok(v),
    }
}

fn filter_json(f: &Filter) -> Value {
    json!({ "source": f.source, "event_type": f.event_type })
}

fn query_error(e: QueryError) -> ApiError {
    match e {
        QueryError::FilterNotSupported => ApiError::bad_request(
            "filter_not_supported",
            "source and event_type filter the events metric, and the source/event_type breakdowns, only",
        ),
        e => ApiError::internal(&e),
    }
}

fn bucket_param(raw: Option<&str>) -> Result<Granularity, ApiError> {
    raw.map_or(Ok(Granularity::Hour), |b| {
        Granularity::parse(b).ok_or_else(|| invalid("`bucket`: one of minute, hour, day"))
    })
}

fn filter_of(source: Option<String>, event_type: Option<String>) -> Result<Filter, ApiError> {
    Ok(Filter {
        source: name_param(source, "source")?,
        event_type: name_param(event_type, "event_type")?,
    })
}

/// A minute-aligned range and the fewest stored buckets covering it; an
/// empty range reads nothing (its `to` is shown equal to `from`).
struct Covered {
    range: TimeRange,
    buckets: Vec<Bucket>,
    empty: bool,
}

impl Covered {
    async fn read(
        state: &AppState,
        account: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Covered, ApiError> {
        Ok(match range(from, to, Granularity::Minute)? {
            Ok(r) => Covered {
                range: r,
                buckets: covering(&*state.analytics, account, r).await?,
                empty: false,
            },
            Err(at) => Covered {
                range: TimeRange {
                    from: at,
                    to: at + Granularity::Minute.micros(),
                },
                buckets: Vec::new(),
                empty: true,
            },
        })
    }

    fn from(&self) -> String {
        rfc3339_micros(self.range.from)
    }

    fn to(&self) -> String {
        rfc3339_micros(if self.empty {
            self.range.from
        } else {
            self.range.to
        })
    }
}

/// Query of `GET /v1/analytics/summary`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryParams {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /v1/analytics/summary`.
pub async fn get_summary(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<SummaryParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let p = query(params)?;
    let account = &caller.account_id;
    let c = Covered::read(&state, account, p.from.as_deref(), p.to.as_deref()).await?;
    let s = summary(account, c.range, &c.buckets).map_err(query_error)?;
    let mut v = serde_json::to_value(&s).map_err(|e| ApiError::internal(&e))?;
    if let Some(o) = v.as_object_mut() {
        o.remove("account");
        o.remove("buckets");
        o.insert("from".into(), c.from().into());
        o.insert("to".into(), c.to().into());
    }
    Ok(Json(v).into_response())
}

/// Query of `GET /v1/analytics/timeseries`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeseriesParams {
    metric: Option<String>,
    bucket: Option<String>,
    from: Option<String>,
    to: Option<String>,
    source: Option<String>,
    event_type: Option<String>,
}

/// `GET /v1/analytics/timeseries`.
pub async fn get_timeseries(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<TimeseriesParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let p = query(params)?;
    let metric = match p.metric.as_deref() {
        None => Metric::Events,
        Some(m) => {
            Metric::parse(m).ok_or_else(|| invalid("`metric`: not a metric this API knows"))?
        }
    };
    let g = bucket_param(p.bucket.as_deref())?;
    let filter = filter_of(p.source, p.event_type)?;
    if !filter.is_empty() && metric != Metric::Events {
        return Err(query_error(QueryError::FilterNotSupported));
    }
    let account = &caller.account_id;
    let (from, to, points) = match range(p.from.as_deref(), p.to.as_deref(), g)? {
        Err(at) => (at, at, Vec::new()),
        Ok(r) => {
            let n = r.micros() / g.micros();
            if n > MAX_POINTS {
                return Err(ApiError::bad_request(
                    "too_many_points",
                    format!("the range has {n} {g} buckets; at most {MAX_POINTS} points"),
                ));
            }
            let buckets = list_all(&*state.analytics, account, g, r).await?;
            let q = TimeseriesQuery {
                metric,
                granularity: g,
                range: r,
                filter: filter.clone(),
            };
            let ts = timeseries(account, &q, &buckets).map_err(query_error)?;
            let points = ts
                .points
                .iter()
                .map(|pt| {
                    json!({
                        "start": rfc3339_micros(pt.start),
                        "value": pt.value,
                        "exact": pt.exact,
                    })
                })
                .collect();
            (r.from, r.to, points)
        }
    };
    Ok(Json(json!({
        "metric": metric.as_str(),
        "bucket": g.as_str(),
        "from": rfc3339_micros(from),
        "to": rfc3339_micros(to),
        "filter": filter_json(&filter),
        "points": points,
    }))
    .into_response())
}

/// Query of `GET /v1/analytics/breakdown`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakdownParams {
    by: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<usize>,
    source: Option<String>,
    event_type: Option<String>,
}

/// `GET /v1/analytics/breakdown`.
pub async fn get_breakdown(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<BreakdownParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let p = query(params)?;
    let by = p.by.as_deref().ok_or_else(|| invalid("`by` is required"))?;
    let dimension =
        Dimension::parse(by).ok_or_else(|| invalid("`by`: not a dimension this API knows"))?;
    let limit = p.limit.unwrap_or(10);
    if !(1..=1_000).contains(&limit) {
        return Err(invalid("`limit` must be between 1 and 1000"));
    }
    let filter = filter_of(p.source, p.event_type)?;
    let account = &caller.account_id;
    let c = Covered::read(&state, account, p.from.as_deref(), p.to.as_deref()).await?;
    let q = BreakdownQuery {
        dimension,
        range: c.range,
        top_n: limit,
        filter: filter.clone(),
    };
    let b = breakdown(account, &q, &c.buckets).map_err(query_error)?;
    let rows: Vec<Value> = b
        .rows
        .iter()
        .map(|r| json!({ "key": r.key, "count": r.count, "exact": r.exact, "webhook": r.webhook }))
        .collect();
    Ok(Json(json!({
        "by": dimension.as_str(),
        "from": c.from(),
        "to": c.to(),
        "filter": filter_json(&filter),
        "total": b.total,
        "total_exact": b.total_exact,
        "rows": rows,
        "other": b.other,
    }))
    .into_response())
}

/// Query of `GET /v1/analytics/export`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    format: Option<String>,
    bucket: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The columns of an export, in CSV order (`AnalyticsExportRow`): the
/// bucket's `start` and `end`, then [`ExportRow::METRICS`].
pub fn export_columns() -> Vec<&'static str> {
    ["start", "end"]
        .into_iter()
        .chain(ExportRow::METRICS)
        .collect()
}

/// One bucket as the export's JSON object (the keys of
/// [`export_columns`]).
fn export_row(b: &Bucket) -> Value {
    let r = ExportRow::of(b);
    let mut row = serde_json::Map::new();
    row.insert("start".into(), rfc3339_micros(r.start).into());
    row.insert("end".into(), rfc3339_micros(r.end).into());
    for (name, cell) in ExportRow::METRICS.into_iter().zip(r.metrics()) {
        row.insert(name.into(), json!(cell));
    }
    Value::Object(row)
}

/// One bucket as a CSV line (no quoting needed: times and numbers only).
fn csv_line(b: &Bucket) -> String {
    let r = ExportRow::of(b);
    let mut line = format!("{},{}", rfc3339_micros(r.start), rfc3339_micros(r.end));
    for cell in r.metrics() {
        line.push(',');
        line.push_str(&cell.to_string());
    }
    line.push('\n');
    line
}

fn wants_csv(format: Option<&str>, headers: &HeaderMap) -> Result<bool, ApiError> {
    match format {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(invalid("`format`: csv or json")),
        None => Ok(headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| {
                t.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"))
            })),
    }
}

/// `GET /v1/analytics/export`: every non-empty bucket of the range, read a
/// page at a time and streamed (memory stays bounded by a page whatever
/// the range).
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    params: Result<Query<ExportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let p = query(params)?;
    let csv = wants_csv(p.format.as_deref(), &headers)?;
    let g = bucket_param(p.bucket.as_deref())?;
    let range = range(p.from.as_deref(), p.to.as_deref(), g)?;
    let (from, to) = match range {
        Ok(r) => (r.from, r.to),
        Err(at) => (at, at),
    };
    // The first page is read before answering, so a failing store is a
    // clean 503 rather than a cut stream.
    let first = match range {
        Ok(r) => Some(
            state
                .analytics
                .list(&caller.account_id, g, r, None, EXPORT_PAGE)
                .await?,
        ),
        Err(_) => None,
    };
    let head = if csv {
        format!("{}\n", export_columns().join(","))
    } else {
        format!(
            "{{\"bucket\":\"{}\",\"from\":\"{}\",\"to\":\"{}\",\"rows\":[",
            g.as_str(),
            rfc3339_micros(from),
            rfc3339_micros(to)
        )
    };
    struct Cursor {
        state: AppState,
        account: String,
        g: Granularity,
        range: Option<TimeRange>,
        page: Option<triggers_analytics::store::BucketPage>,
        csv: bool,
        rows: usize,
        done: bool,
    }
    let cursor = Cursor {
        state,
        account: caller.account_id.clone(),
        g,
        range: range.ok(),
        page: first,
        csv,
        rows: 0,
        done: false,
    };
    let body = futures_util::stream::unfold(cursor, |mut c| async move {
        if c.done {
            return None;
        }
        let page = match c.page.take() {
            Some(p) => p,
            None => {
                c.done = true;
                return Some((Ok(Bytes::from_static(if c.csv { b"" } else { b"]}" })), c));
            }
        };
        let mut chunk = String::new();
        for b in &page.buckets {
            if c.csv {
                chunk.push_str(&csv_line(&b.bucket));
            } else {
                if c.rows > 0 {
                    chunk.push(',');
                }
                chunk.push_str(&export_row(&b.bucket).to_string());
            }
            c.rows += 1;
        }
        if let (Some(next), Some(r)) = (page.next, c.range) {
            match c
                .state
                .analytics
                .list(&c.account, c.g, r, Some(next), EXPORT_PAGE)
                .await
            {
                Ok(p) => c.page = Some(p),
                Err(e) => {
                    // Headers are gone: end the stream with an error (the
                    // client sees a truncated body, never a complete-looking one).
                    tracing::warn!(error = %e, "analytics export failed mid-stream");
                    c.done = true;
                    return Some((Err(std::io::Error::other(e.to_string())), c));
                }
            }
        }
        Some((Ok(Bytes::from(chunk)), c))
    });
    let body = futures_util::StreamExt::chain(
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) }),
        body,
    );
    let (content_type, ext) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/json", "json")
    };
    let disposition = format!(
        "attachment; filename=\"triggers-analytics-{}-{}.{ext}\"",
        g.as_str(),
        rfc3339_micros(from).replace(':', "")
    );
    let mut res = Response::new(Body::from_stream(body));
    *res.status_mut() = StatusCode::OK;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
