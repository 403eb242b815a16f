"""Users (agents) of the account."""

from __future__ import annotations

from tap_helpscout import schema as s
from tap_helpscout.client import FullTableStream

# A user as `/users` and a team's `/members` list it.
USER_FIELDS: dict[str, s.JSONSchema] = {
    "id": s.integer(),
    "firstName": s.string(),
    "lastName": s.string(),
    "email": s.string(),
    "role": s.string(),
    "timezone": s.string(),
    "photoUrl": s.string(),
    "createdAt": s.timestamp(),
    "updatedAt": s.timestamp(),
    "type": s.string(),
    "mention": s.string(),
    "initials": s.string(),
    "jobTitle": s.string(),
    "phone": s.string(),
    "alternateEmails": s.strings(),
}


class UsersStream(FullTableStream):
    """Every user of the account, including those who have not accepted their invitation."""

    name = "users"
    path = "/users"
    records_key = "users"
    api_schema = s.record(**USER_FIELDS)
