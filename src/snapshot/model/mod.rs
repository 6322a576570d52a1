//! The snapshot's data model: what `pull` stores and every later stage reads.
//!
//! Plain data, no I/O. Optional wire fields are `Option`, Harness enums we do
//! not interpret are open strings, and every collection is a sorted `Vec`
//! (sorted by [`Snapshot::normalize`]) so two snapshots of the same account
//! serialise to the same bytes. `docs/snapshot-format.md` documents each field.
//!
//! Layout: `document` is the snapshot itself with its provenance and
//! completeness accounting; `ids` the typed identifiers; `hierarchy` the
//! account, orgs and projects; `principals` users, groups, service accounts
//! and their keys and tokens; `access` roles, permissions, resource groups
//! and role assignments; `evidence` the audit-trail activity and the SCIM
//! listing. This file only declares them and re-exports every type.

mod access;
mod document;
mod evidence;
mod hierarchy;
mod ids;
mod principals;

pub use access::*;
pub use document::*;
pub use evidence::*;
pub use hierarchy::*;
pub use ids::*;
pub use principals::*;
