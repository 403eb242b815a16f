"""Organizations, and the definitions of the customer properties."""

from __future__ import annotations

from singer_sdk.pagination import SinglePagePaginator
from typing_extensions import override

from tap_helpscout import schema as s
from tap_helpscout.client import FullTableStream


class OrganizationsStream(FullTableStream):
    """Every organization (company) that customers belong to."""

    name = "organizations"
    path = "/organizations"
    records_key = "organizations"
    api_schema = s.record(
        id=s.integer(),
        name=s.string(),
        website=s.string(),
        description=s.string(),
        # A two-letter country code.
        location=s.string(),
        logoUrl=s.string(),
        note=s.string(),
        domains=s.strings(),
        phones=s.strings(),
        brandColor=s.string(),
        # Only the single organization with `includeCounts=true` carries these; the list does not.
        customerCount=s.integer(),
        conversationCount=s.integer(),
    )


class CustomerPropertiesStream(FullTableStream):
    """The definitions of the customer properties: their slug, name, type and options."""

    name = "customer_properties"
    path = "/customer-properties"
    records_key = "customer-properties"
    api_primary_keys = ("slug",)
    api_schema = s.record(
        slug=s.string(),
        name=s.string(),
        type=s.string(),
        # Option ids are UUID strings here, unlike the integer options of mailbox fields.
        options=s.array(s.obj(id=s.string(), label=s.string())),
    )

    @override
    def get_new_paginator(self) -> SinglePagePaginator:  # type: ignore[override]
        # All definitions at once, with a `self` link only: no page object.
        return SinglePagePaginator()
