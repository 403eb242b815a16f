"""Teams and their members."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_helpscout import schema as s
from tap_helpscout.client import FullTableStream
from tap_helpscout.streams.users import USER_FIELDS

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class TeamsStream(FullTableStream):
    """Every team of the account."""

    name = "teams"
    path = "/teams"
    records_key = "teams"
    api_schema = s.record(
        id=s.integer(),
        name=s.string(),
        timezone=s.string(),
        photoUrl=s.string(),
        mention=s.string(),
        initials=s.string(),
        createdAt=s.timestamp(),
        updatedAt=s.timestamp(),
    )

    @override
    def get_child_context(
        self, record: dict[str, t.Any], context: Context | None
    ) -> dict[str, t.Any]:
        return {"team_id": record["id"]}


class TeamMembersStream(FullTableStream):
    """Who belongs to which team: each member's user fields, one row per team and user."""

    name = "team_members"
    path = "/teams/{team_id}/members"
    records_key = "users"
    parent_stream_type = TeamsStream
    state_partitioning_keys: t.ClassVar[list[str]] = []
    # A user belongs to several teams: the member's `id` is `userId` here, as in singer-io's tap.
    api_primary_keys = ("teamId", "userId")
    api_schema = s.record(
        teamId=s.integer(),
        userId=s.integer(),
        **{name: field for name, field in USER_FIELDS.items() if name != "id"},
    )

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        assert context is not None
        member = {key: value for key, value in row.items() if key != "id"}
        return self._shape({"teamId": context["team_id"], "userId": row.get("id"), **member})
