"""Customers, with their embedded entries lifted into columns."""

from __future__ import annotations

import typing as t

from tap_helpscout import schema as s
from tap_helpscout.client import ModifiedAtStream

if t.TYPE_CHECKING:
    pass


def _entries(*, typed: bool = True) -> s.JSONSchema:
    """A list of a customer's e-mails, phones, chats, social profiles or websites."""
    item = {"id": s.integer(), "value": s.string()}
    if typed:
        item["type"] = s.string()
    return s.array(s.obj(**item))


class CustomersStream(ModifiedAtStream):
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
