"""The Reports API's happiness ratings (Plus and Pro plans)."""

from __future__ import annotations

import typing as t

import requests
from singer_sdk.pagination import PageNumberPaginator
from typing_extensions import override

from tap_helpscout import schema as s
from tap_helpscout.client import WindowedStream, response_body
from tap_helpscout.windows import format_time

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class ReportPaginator(PageNumberPaginator):
    """Pages of the reports envelope `{results, page, pages, count}`, numbered from 1."""

    @override
    def has_more(self, response: requests.Response) -> bool:
        body = response_body(response)
        return isinstance(body, dict) and (body.get("page") or 0) < (body.get("pages") or 0)


class HappinessRatingsReportStream(WindowedStream):
    """Satisfaction ratings, read by the window of their creation time."""

    name = "happiness_ratings_report"
    path = "/reports/happiness/ratings"
    # A report row has no id of its own; this is the key singer-io's tap uses.
    api_primary_keys = ("ratingCustomerId", "conversationId", "ratingCreatedAt")
    api_replication_key = "ratingCreatedAt"
    api_schema = s.record(
        # The row's `id` is the conversation's id and `threadid` is lower-case in the API; both
        # are renamed to say what they are.
        conversationId=s.integer(),
        number=s.integer(),
        type=s.string(),
        threadId=s.integer(),
        threadCreatedAt=s.timestamp(),
        ratingId=s.integer(),
        ratingCustomerId=s.integer(),
        ratingComments=s.string(),
        ratingCreatedAt=s.timestamp(),
        ratingCustomerName=s.string(),
        ratingUserId=s.integer(),
        ratingUserName=s.string(),
    )

    @override
    def get_new_paginator(self) -> ReportPaginator:  # type: ignore[override]
        return ReportPaginator(start_value=1)

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        assert self.window is not None
        params: dict[str, t.Any] = {
            "start": format_time(self.window.start),
            "end": format_time(self.window.end),
            "page": next_page_token or 1,
        }
        if self.mailbox_ids:
            params["mailboxes"] = ",".join(str(mailbox_id) for mailbox_id in self.mailbox_ids)
        return params

    @override
    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        body = response_body(response)
        if not isinstance(body, dict):
            return
        self.note_total_pages(body.get("pages"))
        for row in body.get("results") or []:
            if isinstance(row, dict):
                renamed = {
                    key: value for key, value in row.items() if key not in {"id", "threadid"}
                }
                renamed["conversationId"] = row.get("id")
                renamed["threadId"] = row.get("threadid")
                yield renamed
