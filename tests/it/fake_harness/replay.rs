//! The fake's replay mode: answers from a recording (`pull --record`)
//! instead of a snapshot, so a pull recorded against a real Harness can be
//! run again here, without the account.
//!
//! A request is matched on method, path, query (in any order) and JSON body.
//! One request recorded several times (a 429 and then its retry, a list read
//! twice) is answered in the recorded order, the last answer again after
//! that. Attempts recorded without an answer (a timeout) are skipped: the
//! retry after them is what is served. Anything not in the recording gets a
//! 404 naming it, and is listed as unexpected.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Request as AxumRequest, State as AxumState};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use reviewpack::harness::client::VALIDATE_KEY_PATH;
use reviewpack::harness::record::Exchange;
use serde_json::Value;

use super::endpoints::parse_query;
use super::{lock, ApiError, CorrelationId, Shared};

/// What a replaying fake serves.
pub(crate) struct Replay {
    /// The recorded exchanges that have an answer, in the order made.
    exchanges: Vec<Exchange>,
    /// How many times each request (by its first exchange) was answered.
    served: HashMap<usize, usize>,
}

impl Replay {
    pub(crate) fn new(exchanges: Vec<Exchange>) -> Replay {
        Replay {
            exchanges: exchanges
                .into_iter()
                .filter(|e| e.response.is_some())
                .collect(),
            served: HashMap::new(),
        }
    }
}

/// Every path goes to the recording.
pub(crate) fn router(shared: Shared) -> Router {
    Router::new().fallback(answer).with_state(shared)
}

fn sorted(mut q: Vec<(String, String)>) -> Vec<(String, String)> {
    q.sort();
    q
}

async fn answer(AxumState(shared): AxumState<Shared>, req: AxumRequest) -> Response {
    let corr = req
        .extensions()
        .get::<CorrelationId>()
        .map(|c| c.0.clone())
        .unwrap_or_default();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().unwrap_or("").to_string();
    let query = sorted(parse_query(&raw_query));
    let bytes = axum::body::to_bytes(req.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
    let body: Option<Value> = if bytes.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
        )
    };
    let mut st = lock(&shared);
    let replay = st.replay.as_mut().expect("a replaying fake");
    let matching: Vec<usize> = replay
        .exchanges
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.request.method == method
                && e.request.path == path
                && sorted(e.request.query.clone()) == query
                // A key asking about itself sends itself as the body: the
                // recording holds it scrubbed, the replay sends its own.
                && (e.request.body == body || path == VALIDATE_KEY_PATH)
        })
        .map(|(i, _)| i)
        .collect();
    let Some(&first) = matching.first() else {
        let what = match (&raw_query[..], &body) {
            ("", None) => format!("{method} {path}"),
            ("", Some(b)) => format!("{method} {path} with body {b}"),
            (q, None) => format!("{method} {path}?{q}"),
            (q, Some(b)) => format!("{method} {path}?{q} with body {b}"),
        };
        st.unexpected.push(what.clone());
        eprintln!("fake harness (replay): not in the recording: {what}");
        return ApiError::error(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            format!("fake Harness replay: not in the recording: {what}"),
        )
        .into_response_with(&corr);
    };
    let n = replay.served.entry(first).or_insert(0);
    let at = matching[(*n).min(matching.len() - 1)];
    *n += 1;
    let recorded = replay.exchanges[at]
        .response
        .clone()
        .expect("only answered exchanges are kept");
    let bytes = match (&recorded.body, &recorded.body_text) {
        (Some(v), _) => serde_json::to_vec(v).expect("JSON serialises"),
        (None, Some(t)) => t.clone().into_bytes(),
        (None, None) => Vec::new(),
    };
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() =
        StatusCode::from_u16(recorded.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &recorded.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            resp.headers_mut().insert(n, v);
        }
    }
    resp
}
