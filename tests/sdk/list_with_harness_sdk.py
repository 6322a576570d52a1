#!/usr/bin/env python3
"""Reads the fake Harness API with Harness's own Python SDK.

`harness-platform-sdk` (by Harness, on PyPI) parses organizations, projects,
roles, resource groups, role assignments and user groups into pydantic
models. Nobody here wrote it, so a list its models cannot parse is a shape
the real server does not send: the fake must not send it either.

Usage: list_with_harness_sdk.py BASE_URL ACCOUNT KEY SCOPES_JSON
where SCOPES_JSON is {"orgs": [...], "projects": [[org, project], ...]}.

Every list is read at every scope the SDK accepts (roles, resource groups
and role assignments need an org and a project; organizations the account;
projects an org; user groups any scope). Prints one JSON object mapping
"list@scope" to the number of items parsed; exits 1 naming the first list
that does not parse.
"""

from __future__ import annotations

import json
import sys

from harness_platform_sdk import HarnessClient
from harness_platform_sdk.scope import Scope


def main() -> int:
    base_url, account, key, scopes_json = sys.argv[1:5]
    scopes = json.loads(scopes_json)
    counts: dict[str, int] = {}
    client = HarnessClient(api_key=key, account_id=account, base_url=base_url)
    at_account = Scope(account_id=account)
    at_org = [Scope(account_id=account, org=o) for o in scopes["orgs"]]
    at_project = [Scope(account_id=account, org=o, project=p) for o, p in scopes["projects"]]

    def read(name: str, api, scope: Scope) -> None:
        label = f"{name}@{scope.org or ''}/{scope.project or ''}"
        try:
            items = list(api.list(scope=scope))
        except Exception as e:  # noqa: BLE001 - report every failure the same way
            print(f"{label}: the SDK could not read the list: {type(e).__name__}: {e}", file=sys.stderr)
            raise SystemExit(1)
        counts[label] = len(items)

    with client:
        read("organizations", client.organizations, at_account)
        for s in at_org:
            read("projects", client.projects, s)
        for s in [at_account, *at_org, *at_project]:
            read("user_groups", client.user_groups, s)
        for s in at_project:
            read("roles", client.roles, s)
            read("resource_groups", client.resource_groups, s)
            read("role_assignments", client.role_assignments, s)
    print(json.dumps(counts, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
