"""Shared data of the RBAC plugin's tests."""

from __future__ import annotations

MATRIX_POLICY = """\
# the permission-matrix project
teams:
  ops: ["@tina"]
org_admins: ["@olga"]
domains:
  own:
    admins: ["@dana"]
    reviewers: ["@rita"]
    contributors: ["@carl"]
    viewers: ["@vera"]
  other: {}
  secret:
    visibility: restricted
"""

# who holds which role (in domain "own", except org_admin and the unnamed user)
USERS = {
    "viewer": "vera",
    "contributor": "carl",
    "reviewer": "rita",
    "domain_admin": "dana",
    "org_admin": "olga",
    "unnamed": "nobody",
}
