//! The Harness API client: auth, paging, retries, rate limiting, and the
//! pull that turns an account into a [`crate::snapshot::Snapshot`].
//!
//! The only async module and the only one that touches the network. It knows
//! URLs, HTTP and Harness's JSON shapes ([`wire`]); the snapshot model knows
//! none of them. The API key lives here and nowhere else: it is sent as a
//! header, never logged, never put into an error or a snapshot.

pub mod access;
pub mod audit_yaml;
pub mod check;
pub mod client;
pub mod convert;
pub mod holder;
pub mod paging;
pub mod pull;
pub mod record;
pub mod wire;
