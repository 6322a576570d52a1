//! The Tokens sheet: every service account's API keys and tokens with their
//! validity and lifetime.

use super::*;

pub(super) const TOKENS: &[Column] = &[
    col("scope", "Scope", 20.0),
    col("owner_kind", "Owner kind", 14.0),
    col("owner_id", "Owner ID", 28.0),
    col("owner_name", "Owner name", 24.0),
    col("api_key_id", "API key ID", 22.0),
    col("api_key_name", "API key name", 22.0),
    col("token_id", "Token ID", 22.0),
    col("token_name", "Token name", 22.0),
    col("created_at", "Created", 21.0),
    col("valid_from", "Valid from", 21.0),
    col("valid_to", "Valid to", 21.0),
    col("harness_valid", "Harness valid flag", 9.0),
    col("expiry", "Expiry", 12.0),
    col("days_to_expiry", "Days to expiry", 9.0),
    col("days_since_expiry", "Days since expiry", 9.0),
    col("lifetime_days", "Lifetime (days)", 9.0),
];

pub(super) fn tokens(ctx: &ReportContext<'_, '_>, sink: &mut Sink<'_>) -> io::Result<()> {
    let g = ctx.graph;
    let s = g.snapshot();
    let key_names: HashMap<(&Scope, ApiKeyType, &str, &str), &str> = s
        .api_keys
        .iter()
        .map(|k| {
            (
                (&k.scope, k.key_type, k.parent.as_str(), k.id.as_str()),
                k.name.as_str(),
            )
        })
        .collect();
    for t in &s.tokens {
        let (owner_kind, owner_id, owner_name) = match t.key_type {
            ApiKeyType::User => match g.user_index(&t.parent) {
                Some(i) => ("user", t.parent.clone(), s.users[i].name.clone()),
                None => ("user", t.parent.clone(), String::new()),
            },
            ApiKeyType::ServiceAccount => {
                let key = format!("sa:{}/{}", t.scope, t.parent);
                match g.find_principal(&key) {
                    Some(p) => ("service_account", key, g.identity(p).name.to_string()),
                    None => ("service_account", key, String::new()),
                }
            }
        };
        let key_name = key_names
            .get(&(&t.scope, t.key_type, t.parent.as_str(), t.api_key.as_str()))
            .copied()
            .unwrap_or_default();
        // Two columns rather than a negative count: a cell starting with `-`
        // would be neutralised like a formula.
        let (expiry, days_to_expiry, days_since_expiry) = match t.valid_to {
            None => ("no expiry", Cell::Empty, Cell::Empty),
            Some(to) if to <= ctx.as_of => (
                "expired",
                Cell::Empty,
                Cell::Int((ctx.as_of - to).num_days()),
            ),
            Some(to) => (
                "expires",
                Cell::Int((to - ctx.as_of).num_days()),
                Cell::Empty,
            ),
        };
        let lifetime = match (t.valid_from, t.valid_to) {
            (Some(from), Some(to)) => Cell::Int((to - from).num_days()),
            _ => Cell::Empty,
        };
        sink(vec![
            t.scope.to_string().into(),
            owner_kind.into(),
            owner_id.into(),
            owner_name.into(),
            t.api_key.to_string().into(),
            key_name.into(),
            t.id.to_string().into(),
            t.name.as_str().into(),
            t.created_at.map(fmt_time).into(),
            t.valid_from.map(fmt_time).into(),
            t.valid_to.map(fmt_time).into(),
            match t.valid {
                Some(v) => yes_no(v),
                None => "unknown",
            }
            .into(),
            expiry.into(),
            days_to_expiry,
            days_since_expiry,
            lifetime,
        ])?;
    }
    Ok(())
}
