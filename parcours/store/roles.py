"""Who sees and may do what (INTERFACES §4): the one table of role rules.

Every check reads it: the dashboard's page offering, the upload service, the build history, the
data-quality rows, the CLI's user creation. Scope (which centres a user reads) is
`warehouse.reader.Scope`, built from these rules and the user's centre or federation.
"""

from __future__ import annotations

ROLES = ("centre", "federation", "analyst", "admin")
ROLE_LABELS = {
    "centre": "Centre",
    "federation": "Fédération",
    "analyst": "Analyste",
    "admin": "Administration",
}

# capability → the roles that have it
CAPABILITIES: dict[str, frozenset[str]] = {
    # browse the analytical pages (aggregates; a centre its own data)
    "browse": frozenset(ROLES),
    # individual rows: a trainee's path, quarantined rows, atypical months of one trainee
    "see_individuals": frozenset({"centre", "admin"}),
    # upload and withdraw (a centre for itself, an admin for any centre)
    "upload": frozenset({"centre", "admin"}),
    # the data-quality page
    "see_quality": frozenset({"centre", "analyst", "admin"}),
    # the Transformations page: builds, dbt tests, lineage; start a build from it
    "run_builds": frozenset({"analyst", "admin"}),
    # users, centres, code mappings, replay of the quarantine, closing periods, the audit log
    "administer": frozenset({"admin"}),
}


def can(role: str | None, capability: str) -> bool:
    """Whether a role has a capability (an unknown capability is a programming error)."""
    return role in CAPABILITIES[capability]


def roles_with(capability: str) -> tuple[str, ...]:
    """The roles that have a capability, in the order of ROLES."""
    return tuple(role for role in ROLES if role in CAPABILITIES[capability])
