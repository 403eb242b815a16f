"""Customers, with their embedded entries lifted into columns."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_helpscout import schema as s
from tap_helpscout.client import WindowedStream, created_at
from tap_helpscout.windows import format_time

if t.TYPE_CHECKING:
    import datetime

    from singer_sdk.helpers.types import Context


def _entries(*, typed: bool = True) -> s.JSONSchema:
    """A list of a customer's e-mails, phones, chats, social profiles or websites."""
    item = {"id": s.integer(), "value": s.string()}
    if typed:
        item["type"] = s.string()
    return s.array(s.obj(**item))


class CustomersStream(WindowedStream):
    """Customers, read by the window of their modification time (`updatedAt`)."""

    name = "customers"
    path = "/customers"
    records_key = "customers"
    api_primary_keys = ("id",)
    api_replication_key = "updatedAt"
    # Embedded in a customer the key is `social_profiles`; the sub-resource says `social-profiles`.
    lifted_embedded: t.ClassVar[dict[str, str]] = {
        name: name
        for name in (
            "emails",
            "phones",
            "chats",
            "social_profiles",
            "websites",
            "properties",
            "address",
        )
    }
    api_schema = s.record(
        id=s.integer(),
        firstName=s.string(),
        lastName=s.string(),
        gender=s.string(),
        jobTitle=s.string(),
        location=s.string(),
        organization=s.string(),
        organizationId=s.integer(),
        photoType=s.string(),
        photoUrl=s.string(),
        age=s.string(),
        background=s.string(),
        conversationCount=s.integer(),
        draft=s.boolean(),
        createdAt=s.timestamp(),
        updatedAt=s.timestamp(),
        emails=_entries(),
        phones=_entries(),
        chats=_entries(),
        social_profiles=_entries(),
        websites=_entries(typed=False),
        # Property values are open-ended (text, numbers, dates, dropdown option ids): the API
        # sends them as strings, and they are kept as strings.
        properties=s.array(
            s.obj(
                type=s.string(),
                slug=s.string(),
                name=s.string(),
                value=s.string(),
                text=s.string(),
                source=s.obj(name=s.string()),
            )
        ),
        address=s.obj(
            city=s.string(),
            state=s.string(),
            postalCode=s.string(),
            country=s.string(),
            lines=s.strings(),
        ),
    )

    @override
    def earliest_time(self, first_record: dict[str, t.Any]) -> datetime.datetime | None:
        # Pages are sorted by modification time, ascending.
        return created_at(first_record)

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        assert self.window is not None
        start, end = format_time(self.window.start), format_time(self.window.end)
        return {
            "modifiedSince": start,
            "query": f"(modifiedAt:[{start} TO {end}])",
            "sortField": "modifiedAt",
            "sortOrder": "asc",
        }
