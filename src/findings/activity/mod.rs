//! Users and their lifecycle: `inactive-user` (`inactive`),
//! `disabled-user-with-access` (`disabled`), and `unmanaged-user` and
//! `unmanaged-privileged-group` (`unmanaged`, both about who provisions an
//! identity). One file per rule, its tests beside it; this file only
//! declares them and re-exports the rule functions the runner calls.
//!
//! Activity is what the audit trail showed within the pull's activity
//! window: Harness keeps no "last login" for other users. A user with no
//! login event in the window is reported as "no login in N days" (N the
//! window), never as "never logged in".

mod disabled;
mod inactive;
mod unmanaged;

pub use disabled::disabled_user_with_access;
pub use inactive::inactive_user;
pub use unmanaged::{unmanaged_privileged_group, unmanaged_user};
