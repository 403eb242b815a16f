"""The Reports API's happiness ratings (Plus and Pro plans)."""

from __future__ import annotations

import typing as t

import requests
from typing_extensions import override

from tap_helpscout import schema as s
from tap_helpscout.client import Page, WindowedStream, response_body
from tap_helpscout.windows import format_time

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


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
    def page_counts(self, body: t.Any) -> tuple[int, int]:
        if not isinstance(body, dict):
            return 0, 0
        count, pages = body.get("count"), body.get("pages")
        return (count if isinstance(count, int) else 0), (pages if isinstance(pages, int) else 0)

    @override
    def record_key(self, record: dict[str, t.Any]) -> t.Hashable | None:
        return tuple(record.get(name) for name in self.api_primary_keys)

    @override
    def page_token(self, first: Page, number: int) -> int:
        return number

    @override
    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        body = response_body(response)
        if not isinstance(body, dict):
            return
        for row in body.get("results") or []:
            if isinstance(row, dict):
                renamed = {
                    key: value for key, value in row.items() if key not in {"id", "threadid"}
                }
                renamed["conversationId"] = row.get("id")
                renamed["threadId"] = row.get("threadid")
                yield renamed
