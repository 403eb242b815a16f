"""HAL list envelopes and their paging links, as API.md section 2.2 describes them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

# Colons and commas stay readable (the API's own links show ``modifiedSince=...T00:00:00Z``);
# quotes, apostrophes, brackets, spaces and parentheses are always percent-encoded.
_SAFE = ":,*"


def encode_query(params: list[tuple[str, str]]) -> str:
    """Percent-encode query pairs in their original order."""
    return urlencode(params, quote_via=quote, safe=_SAFE)


def _with_page(root: str, params: list[tuple[str, str]], page: int) -> str:
    return f"{root}?{encode_query([*params, ('page', str(page))])}"


def page_links(
    root: str, params: list[tuple[str, str]], number: int, total_pages: int
) -> dict[str, Any]:
    """``self``/``first``/``previous``/``next``/``last``/``page`` for a 1-based page number.

    ``params`` are the request's own query pairs without ``page``; they are kept verbatim so
    following ``next`` repeats the same search.
    """
    last = max(total_pages, 1)
    links: dict[str, Any] = {
        "self": {"href": _with_page(root, params, number)},
        "first": {"href": _with_page(root, params, 1)},
    }
    if number > 1:
        links["previous"] = {"href": _with_page(root, params, number - 1)}
    if number < total_pages:
        links["next"] = {"href": _with_page(root, params, number + 1)}
    links["last"] = {"href": _with_page(root, params, last)}
    query = encode_query(params)
    template = f"{root}?{query}{{&page}}" if params else f"{root}{{?page}}"
    links["page"] = {"href": template, "templated": True}
    return links


def page_envelope(
    *,
    root: str,
    params: list[tuple[str, str]],
    key: str,
    items: list[Any],
    number: int,
    size: int,
    total: int,
    empty_number: int,
) -> dict[str, Any]:
    """A full HAL page; ``_embedded`` is left out when the page holds no item."""
    total_pages = (total + size - 1) // size
    body: dict[str, Any] = {}
    if items:
        body["_embedded"] = {key: items}
    body["_links"] = page_links(root, params, number, total_pages)
    reported = empty_number if total == 0 else number
    body["page"] = {
        "size": size,
        "totalElements": total,
        "totalPages": total_pages,
        "number": reported,
    }
    return body
