//! Typed identifiers: one newtype per kind of Harness id, so a user id and
//! a group id cannot be mixed up. Each serialises as the bare string.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The identifier as Harness spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }
    )*};
}

id_type! {
    /// A user's uuid (Harness `uuid`; unique in the account).
    UserId,
    /// A user group identifier (unique within its scope).
    GroupId,
    /// A service account identifier (unique within its scope).
    ServiceAccountId,
    /// An API key identifier (unique within its parent).
    ApiKeyId,
    /// A token identifier (unique within its API key).
    TokenId,
    /// A role identifier (unique within its scope).
    RoleId,
    /// A resource group identifier (unique within its scope).
    ResourceGroupId,
    /// A role assignment identifier (unique within its scope).
    AssignmentId,
    /// A permission identifier such as `core_user_view`.
    PermissionId,
}
