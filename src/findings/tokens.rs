//! Machine credentials: `token-long-lived`, `token-expired-not-removed` and
//! `service-account-no-owner`. Harness records no "last used" time for
//! tokens, so these rules look at validity and ownership only.

use chrono::Duration;

use super::ctx::Ctx;
use super::draft::{principal_of, ts, Draft};
use super::finding::FindingPrincipal;
use super::rule::Rule;
use crate::graph::Principal;
use crate::snapshot::{ApiKeyType, Token};

fn owner_of(ctx: &Ctx<'_, '_>, t: &Token) -> Option<FindingPrincipal> {
    let g = ctx.graph;
    let p = match t.key_type {
        ApiKeyType::ServiceAccount => g.find_principal(&format!("sa:{}/{}", t.scope, t.parent)),
        ApiKeyType::User => g.user_index(&t.parent).map(Principal::User),
    }?;
    Some(principal_of(g, p))
}

fn is_expired(ctx: &Ctx<'_, '_>, t: &Token) -> bool {
    t.valid_to.is_some_and(|to| to <= ctx.as_of) || t.valid == Some(false)
}

fn token_draft(ctx: &Ctx<'_, '_>, rule: Rule, t: &Token, message: String) -> Draft {
    let mut d = Draft::new(rule, message)
        .scope(&t.scope)
        .key(t.api_key.as_str())
        .key(t.id.as_str())
        .evidence("token_id", t.id.as_str())
        .evidence("token_name", t.name.as_str())
        .evidence("api_key_id", t.api_key.as_str())
        .evidence(
            "owner_type",
            match t.key_type {
                ApiKeyType::ServiceAccount => "service_account",
                ApiKeyType::User => "user",
            },
        )
        .evidence("parent", t.parent.as_str())
        .evidence("valid_from", t.valid_from.map(ts))
        .evidence("valid_to", t.valid_to.map(ts))
        .evidence("valid", t.valid)
        .evidence("created_at", t.created_at.map(ts))
        .evidence("as_of", ts(ctx.as_of));
    if let Some(p) = owner_of(ctx, t) {
        d = d.principal(p);
    }
    d
}

/// `token-long-lived`: a live token that never expires, or whose validity
/// is longer than `token_max_days`.
pub fn token_long_lived(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let max = ctx.policy.thresholds.token_max_days;
    let mut out = Vec::new();
    for t in &ctx.snapshot().tokens {
        if is_expired(ctx, t) {
            continue;
        }
        let message = match t.valid_to {
            None => format!("Token {} never expires (policy maximum {max} days).", t.id),
            Some(to) => {
                let from = t.valid_from.or(t.created_at).unwrap_or(ctx.as_of);
                let days = (to - from).num_days();
                if to - from <= Duration::days(i64::from(max)) {
                    continue;
                }
                format!(
                    "Token {} is valid for {days} days ({} to {}), longer than the policy maximum of {max} days.",
                    t.id,
                    from.date_naive(),
                    to.date_naive()
                )
            }
        };
        let validity = t.valid_to.map(|to| {
            let from = t.valid_from.or(t.created_at).unwrap_or(ctx.as_of);
            (to - from).num_days()
        });
        out.push(
            token_draft(ctx, Rule::TokenLongLived, t, message)
                .evidence("validity_days", validity)
                .evidence("token_max_days", max),
        );
    }
    out
}

/// `token-expired-not-removed`: a token past its `valid_to` (or marked
/// invalid by Harness) that still exists.
pub fn token_expired_not_removed(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let mut out = Vec::new();
    for t in &ctx.snapshot().tokens {
        if !is_expired(ctx, t) {
            continue;
        }
        let message = match t.valid_to {
            Some(to) if to <= ctx.as_of => format!(
                "Token {} expired on {} and has not been deleted.",
                t.id,
                to.date_naive()
            ),
            _ => format!(
                "Token {} is marked invalid by Harness and has not been deleted.",
                t.id
            ),
        };
        out.push(token_draft(ctx, Rule::TokenExpiredNotRemoved, t, message));
    }
    out
}

/// `service-account-no-owner`: no non-empty owner tag and no owner in the
/// policy's `[service_accounts.owners]`.
pub fn service_account_no_owner(ctx: &Ctx<'_, '_>) -> Vec<Draft> {
    let g = ctx.graph;
    let sap = &ctx.policy.service_accounts;
    let mut out = Vec::new();
    for (i, sa) in ctx.snapshot().service_accounts.iter().enumerate() {
        let tagged = sap
            .owner_tags
            .iter()
            .any(|k| sa.tags.get(k).is_some_and(|v| !v.trim().is_empty()));
        let key = format!("sa:{}/{}", sa.scope, sa.id);
        if tagged || sap.owners.contains_key(&key) {
            continue;
        }
        let p = Principal::ServiceAccount(i);
        out.push(
            Draft::new(
                Rule::ServiceAccountNoOwner,
                format!(
                    "No owner: no non-empty owner tag ({}) and no owner in the policy; highest privilege {}.",
                    sap.owner_tags.join(", "),
                    g.highest_level(p)
                ),
            )
            .principal(principal_of(g, p))
            .scope(&sa.scope)
            .evidence("tags", &sa.tags)
            .evidence("owner_tags_checked", &sap.owner_tags)
            .evidence("highest_privilege", g.highest_level(p)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use crate::findings::Rule;
    use crate::snapshot::Scope;
    use crate::testkit::*;

    #[test]
    fn long_lived_tokens_are_those_without_expiry_or_beyond_the_maximum() {
        let mut f = Fixture::new();
        let now = f.as_of;
        f.service_account(&Scope::Account, "bot");
        f.token("bot", "forever", now - Duration::days(10), None);
        f.token(
            "bot",
            "two_years",
            now - Duration::days(30),
            Some(now + Duration::days(700)),
        );
        f.token(
            "bot",
            "one_year",
            now - Duration::days(30),
            Some(now + Duration::days(335)),
        );
        // Expired long ago: not long-lived, expired.
        f.token(
            "bot",
            "old_forever_ish",
            now - Duration::days(900),
            Some(now - Duration::days(1)),
        );
        let found = f.findings(Rule::TokenLongLived);
        let mut ids: Vec<&str> = found
            .iter()
            .map(|x| x.evidence["token_id"].as_str().unwrap())
            .collect();
        ids.sort();
        assert_eq!(ids, vec!["forever", "two_years"]);
        assert_eq!(found[0].principal.as_ref().unwrap().id, "sa:account/bot");
        f.policy_toml("[thresholds]\ntoken_max_days = 800\n");
        assert_eq!(f.findings(Rule::TokenLongLived).len(), 1);
    }

    #[test]
    fn expired_tokens_fire_and_live_ones_do_not() {
        let mut f = Fixture::new();
        let now = f.as_of;
        f.service_account(&Scope::Account, "bot");
        f.token(
            "bot",
            "expired",
            now - Duration::days(100),
            Some(now - Duration::days(10)),
        );
        f.token(
            "bot",
            "live",
            now - Duration::days(10),
            Some(now + Duration::days(10)),
        );
        let found = f.findings(Rule::TokenExpiredNotRemoved);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].evidence["token_id"], "expired");
        // --as-of past the live token's expiry makes it expired too.
        f.as_of = now + Duration::days(11);
        assert_eq!(f.findings(Rule::TokenExpiredNotRemoved).len(), 2);
    }

    #[test]
    fn service_account_owner_comes_from_a_tag_or_the_policy() {
        let mut f = Fixture::new();
        f.service_account(&Scope::Account, "tagged");
        f.service_account(&Scope::Org("ops".into()), "runner");
        f.sa_mut("runner").tags = [("team".to_string(), "sre".to_string())].into();
        let found = f.findings(Rule::ServiceAccountNoOwner);
        assert_eq!(subjects(&found), vec![("sa:org:ops/runner", "org:ops")]);
        f.policy_toml(
            "[service_accounts.owners]\n\"sa:org:ops/runner\" = \"sre-lead@example.com\"\n",
        );
        assert!(f.findings(Rule::ServiceAccountNoOwner).is_empty());
        f.policy_toml("[service_accounts]\nowner_tags = [\"owner\", \"team\"]\n");
        assert!(f.findings(Rule::ServiceAccountNoOwner).is_empty());
        // An empty owner tag is no owner.
        f.policy_toml("");
        f.sa_mut("tagged").tags = [("owner".to_string(), " ".to_string())].into();
        assert_eq!(f.findings(Rule::ServiceAccountNoOwner).len(), 2);
    }
}
