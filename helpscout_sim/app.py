"""The simulated API itself: routing, auth, the rate budget and every endpoint, without HTTP.

``SimulatorApp.handle`` takes a method, a raw path and the request body and returns a
``Response``; the server module only moves bytes. All shared state sits behind one lock because
the HTTP server answers requests on several threads at once.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from helpscout_sim import faults, render, search
from helpscout_sim.config import (
    PLANS,
    RETRY_AFTER_VARIANTS,
    UNAUTHORIZED_BODIES,
    SimulatorConfig,
    check_mutations,
)
from helpscout_sim.dataset import Conversation, Customer, Dataset, build_dataset
from helpscout_sim.drift import MUTATION_KINDS, Drift
from helpscout_sim.hal import encode_query, page_envelope
from helpscout_sim.timeutil import has_fraction, parse_loose, parse_strict

HAL_JSON = "application/hal+json"
PLAIN_JSON = "application/json"
CONVERSATIONS_PER_PAGE = 25
THREADS_PER_PAGE = 25
DEFAULT_PAGE_SIZE = 50
UNLIMITED_HEADER_VALUE = 1_000_000  # what the headers report when the budget is switched off

CONVERSATION_STATUSES = ("active", "pending", "closed", "spam", "open", "all")
CONVERSATION_SORTS = (
    "createdAt",
    "customerEmail",
    "customerName",
    "mailboxid",
    "modifiedAt",
    "number",
    "score",
    "status",
    "subject",
    "waitingSince",
)
CONVERSATION_QUERY_FIELDS = frozenset(
    {
        "modifiedAt",
        "createdAt",
        "subject",
        "customerIds",
        "mailboxid",
        "number",
        "id",
        "tag",
        "email",
        "status",
    }
)
CUSTOMER_QUERY_FIELDS = frozenset(
    {"modifiedAt", "createdAt", "firstName", "lastName", "email", "emailDomain"}
)
CUSTOMER_SORTS = ("score", "firstName", "lastName", "modifiedAt", "createdAt")
TRUTH_STREAMS = (
    "conversations",
    "conversation_threads",
    "customers",
    "mailboxes",
    "mailbox_folders",
    "users",
    "happiness_ratings_report",
    "mailbox_fields",
    "saved_replies",
    "teams",
    "team_members",
    "tags",
    "workflows",
    "webhooks",
    "organizations",
    "customer_properties",
)


@dataclass
class Response:
    """What to send back: status, JSON-able body (None for no body) and extra headers."""

    status: int
    body: Any = None
    content_type: str = HAL_JSON
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is instead of the JSON body (broken answers)
    reset: bool = False  # close the connection without answering
    stall_seconds: float = 0.0  # hold the answer this long first

    def encoded(self) -> bytes:
        """The body as bytes (ASCII-only JSON, so no charset question arises)."""
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":")).encode("ascii")


class ApiError(Exception):
    """Raised inside a handler to answer with an error response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def error_envelope(message: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The HAL error body with a ``logRef`` (see examples/error_validation.json)."""
    body: dict[str, Any] = {"logRef": f"{uuid.uuid4()}#1", "message": message}
    if errors:
        body["_embedded"] = {"errors": errors}
    body["_links"] = {
        "about": {"href": "http://developer.helpscout.net/mailbox-api/overview/errors"}
    }
    return body


def bad_request(path: str, message: str, rejected: Any) -> ApiError:
    """A 400 naming the offending parameter."""
    error = {
        "path": path,
        "message": message,
        "rejectedValue": rejected,
        "source": "Query",
        "_links": {"about": {"href": "http://developer.helpscout.net/mailbox-api/overview/errors"}},
    }
    return ApiError(Response(400, error_envelope("Bad request", [error]), PLAIN_JSON))


def not_found() -> ApiError:
    """A 404 (the exact body is not documented)."""
    return ApiError(Response(404, error_envelope("Resource not found"), PLAIN_JSON))


@dataclass
class Switches:
    """Behaviour that ``POST /_sim/control`` may change while the server runs."""

    plan: str
    rate_limit_per_minute: int
    retry_after_header: str
    count_token_requests: bool
    latency_ms: int
    rate_window_seconds: int
    other_client_per_minute: int
    unauthorized_body: str
    token_expires_in: int
    empty_page_number: int
    embed_threads_max: int
    embed_chat_body_chars: int
    report_rows_per_page: int
    report_times_without_zone: bool
    max_page: int
    mutate_every: int
    mutations: list[str]

    @classmethod
    def from_config(cls, config: SimulatorConfig) -> Switches:
        """Initial switches, taken from the config."""
        values = {item.name: getattr(config, item.name) for item in fields(cls)}
        values["mutations"] = list(values["mutations"])
        return cls(**values)


_SWITCH_CHOICES: dict[str, tuple[Any, ...]] = {
    "plan": PLANS,
    "retry_after_header": RETRY_AFTER_VARIANTS,
    "unauthorized_body": UNAUTHORIZED_BODIES,
    "empty_page_number": (0, 1),
}

_POSITIVE_SWITCHES = frozenset({"rate_window_seconds"})
_NON_NEGATIVE_SWITCHES = frozenset(
    {"other_client_per_minute", "rate_limit_per_minute", "mutate_every"}
)


@dataclass
class Stats:
    """Counters a test reads from ``GET /_sim/stats``."""

    total_requests: int = 0
    by_path: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    unauthorized: int = 0
    tokens_issued: int = 0
    duplicate_query_params: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    other_client_requests: int = 0
    api_requests: int = 0  # the request number: API calls other than token requests
    faults_injected: dict[str, int] = field(default_factory=dict)
    mutations: dict[str, int] = field(default_factory=dict)


class RateBudget:
    """The account's budget, shared by every token, in fixed clock-aligned windows.

    ``other_per_window`` requests are spent by another client of the same account, spread
    evenly over each window (case C1), so the remaining count falls faster than one's own use.
    """

    def __init__(self, clock: Callable[[], float], window: int = 60) -> None:
        self._clock = clock
        self.window = max(1, window)
        self.other_per_window = 0
        self.window_start = self._start_of(clock())
        self.used = 0
        self.other_spent_total = 0
        self._other_counted = 0

    def _start_of(self, moment: float) -> float:
        return math.floor(moment / self.window) * self.window

    def _roll(self) -> None:
        now = self._clock()
        start = self._start_of(now)
        if start != self.window_start:
            self._settle_other(self.window_start + self.window)
            self.window_start, self.used, self._other_counted = start, 0, 0
        self._settle_other(now)

    def _settle_other(self, moment: float) -> None:
        """Let the other client spend its share of the window up to ``moment``."""
        elapsed = min(max(0.0, moment - self.window_start), float(self.window))
        due = math.floor(self.other_per_window * elapsed / self.window)
        if due > self._other_counted:
            self.other_spent_total += due - self._other_counted
            self._other_counted = due

    def total_used(self) -> int:
        """Requests spent in the current window by every client together."""
        return self.used + self._other_counted

    def spend(self, limit: int, units: int = 1) -> bool:
        """Spend ``units`` if the budget allows; False means answer 429."""
        self._roll()
        if limit and self.total_used() + units > limit:
            return False
        self.used += units
        return True

    def headers(self, limit: int) -> dict[str, str]:
        """The two headers every API response carries."""
        self._roll()
        shown = limit or UNLIMITED_HEADER_VALUE
        return {
            "X-RateLimit-Limit-Minute": str(shown),
            "X-RateLimit-Remaining-Minute": str(max(0, shown - self.total_used())),
        }

    def seconds_to_reset(self) -> int:
        """Whole seconds until the current window ends, rounded up (at least 1)."""
        self._roll()
        return max(1, math.ceil(self.window_start + self.window - self._clock()))

    def set_window(self, seconds: int) -> None:
        """Change the window length; a fresh window starts now."""
        self.window = max(1, seconds)
        self.reset()

    def reset(self) -> None:
        """Start a fresh window now."""
        self.window_start = self._start_of(self._clock())
        self.used = 0
        self._other_counted = 0
        self._settle_other(self._clock())


Route = tuple[str, re.Pattern[str], str, str, Callable[..., Response]]


class SimulatorApp:
    """Holds the account's data and answers requests; thread-safe."""

    def __init__(self, config: SimulatorConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.lock = threading.RLock()
        self.data: Dataset = build_dataset(config)
        self.switches = Switches.from_config(config)
        self.tokens: dict[str, float] = {}
        self.budget = RateBudget(clock, config.rate_window_seconds)
        self.budget.other_per_window = config.other_client_per_minute
        self.stats = Stats()
        self.request_log: deque[dict[str, Any]] = deque(maxlen=max(1, config.request_log_size))
        self.fault_rules: list[faults.FaultRule] = faults.parse_rules(config.faults)
        self.request_number = 0  # never reset: mutations and the request log refer to it
        self.drift = Drift(self.data, clock)
        self._cache: OrderedDict[tuple[Any, ...], list[Any]] = OrderedDict()
        self._mailbox_customers: dict[int, frozenset[int]] = {}
        self._cache_version = -1
        self.routes: list[Route] = []
        self._register_routes()

    # -- routing -------------------------------------------------------------------------------
    def _route(
        self, method: str, template: str, area: str, handler: Callable[..., Response]
    ) -> None:
        pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>\\d+)", template) + "$")
        self.routes.append((method, pattern, template, area, handler))

    def _register_routes(self) -> None:
        route = self._route
        route("POST", "/v2/oauth2/token", "token", self._token)
        route("GET", "/v2/conversations", "inbox", self._list_conversations)
        route("GET", "/v2/conversations/{id}", "inbox", self._get_conversation)
        route("GET", "/v2/conversations/{id}/threads", "inbox", self._list_threads)
        route("GET", "/v2/customers", "inbox", self._list_customers)
        route("GET", "/v2/customers/{id}", "inbox", self._get_customer)
        route("GET", "/v2/mailboxes", "inbox", self._list_mailboxes)
        route("GET", "/v2/mailboxes/{id}", "inbox", self._get_mailbox)
        route("GET", "/v2/mailboxes/{id}/folders", "inbox", self._list_folders)
        route("GET", "/v2/users", "inbox", self._list_users)
        route("GET", "/v2/users/me", "inbox", self._get_me)
        route("GET", "/v2/users/{id}", "inbox", self._get_user)
        route("GET", "/v2/reports/happiness/ratings", "report", self._ratings_report)
        route("GET", "/v2/mailboxes/{id}/fields", "inbox", self._list_fields)
        route("GET", "/v2/mailboxes/{id}/saved-replies", "inbox", self._list_saved_replies)
        route("GET", "/v2/mailboxes/{id}/saved-replies/{reply}", "inbox", self._get_saved_reply)
        route("GET", "/v2/teams", "inbox", self._list_teams)
        route("GET", "/v2/teams/{id}/members", "inbox", self._list_team_members)
        route("GET", "/v2/tags", "inbox", self._list_tags)
        route("GET", "/v2/tags/{id}", "inbox", self._get_tag)
        route("GET", "/v2/workflows", "inbox", self._list_workflows)
        route("GET", "/v2/webhooks", "inbox", self._list_webhooks)
        route("GET", "/v2/webhooks/{id}", "inbox", self._get_webhook)
        route("GET", "/v2/organizations", "inbox", self._list_organizations)
        route("GET", "/v2/organizations/{id}", "inbox", self._get_organization)
        route("GET", "/v2/customer-properties", "inbox", self._customer_properties)
        route("GET", "/v2/ratings/{id}", "inbox", self._get_rating)

    # -- entry point ---------------------------------------------------------------------------
    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes, base: str
    ) -> Response:
        """Answer one request; ``base`` is the root URL links are built from."""
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        query = parts.query
        if path.startswith("/_sim/") or path == "/_sim":
            with self.lock:
                return self._sim(method, path, query, body)
        with self.lock:
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
        try:
            with self.lock:
                number = None
                if path != faults.TOKEN_PATH:
                    self.request_number += 1
                    self.stats.api_requests += 1
                    number = self.request_number
                rule = faults.first_firing(self.fault_rules, path)
                if rule is None:
                    response = self._api(method, path, query, headers, body, base)
                else:
                    response = self._faulty(rule, method, path, query, headers, body, base)
                    self.stats.faults_injected[rule.kind] = (
                        self.stats.faults_injected.get(rule.kind, 0) + 1
                    )
                if not response.reset:
                    self.stats.by_status[str(response.status)] = (
                        self.stats.by_status.get(str(response.status), 0) + 1
                    )
                entry: dict[str, Any] = {
                    "method": method,
                    "path": raw_path,
                    "status": 0 if response.reset else response.status,
                    "time": round(self.clock(), 3),
                    "number": number,
                }
                if rule is not None:
                    entry["fault"] = rule.kind
                self.request_log.append(entry)
                every = self.switches.mutate_every
                if number is not None and every and number % every == 0:
                    self._mutate(self.drift.rng.choice(self.switches.mutations))
                return response
        finally:
            with self.lock:
                self.stats.in_flight -= 1

    def _faulty(
        self,
        rule: faults.FaultRule,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        base: str,
    ) -> Response:
        """The broken answer a firing rule asks for (see ``faults``)."""
        self.stats.total_requests += 1
        limit = self.switches.rate_limit_per_minute
        if rule.kind == "reset":
            return Response(0, reset=True)
        if rule.kind == "status":
            return self._with_rate_headers(self._fault_status(rule.status), limit)
        if rule.kind == "not_json":
            page = faults.LOGIN_PAGE.encode("ascii")
            return Response(200, None, "text/html; charset=utf-8", raw=page)
        if rule.kind == "expire_token":
            scheme, _, token = headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and token.strip() in self.tokens:
                self.tokens[token.strip()] = 0.0
            self.stats.unauthorized += 1
            return self._with_rate_headers(self._unauthorized(), limit)
        self.stats.total_requests -= 1  # the real handler counts it
        response = self._api(method, path, query, headers, body, base)
        if rule.kind == "stall":
            response.stall_seconds = rule.seconds
        elif rule.kind == "truncated":
            whole = response.encoded()
            response.status = 200
            response.raw = whole[: len(whole) // 2]
        return response

    def _fault_status(self, status: int) -> Response:
        reasons = {
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
            403: "Forbidden",
            404: "Not Found",
            409: "Conflict",
            429: "Too Many Requests",
        }
        reason = reasons.get(status, "Error")
        if status in (502, 503, 504):
            # A proxy in front of the API answers these, with its own HTML page.
            page = faults.GATEWAY_PAGE.format(status=status, reason=reason).encode("ascii")
            return Response(status, None, "text/html", raw=page)
        if status == 429:
            response = Response(status, {"message": "API rate limit exceeded"}, PLAIN_JSON)
            response.headers["X-RateLimit-Retry-After"] = "1"
            return response
        if status == 403:
            message = "Access denied: the token's user may not see this resource"
        elif status == 404:
            message = "Resource not found"
        else:
            message = reason
        return Response(status, error_envelope(message), PLAIN_JSON)

    def _unauthorized(self) -> Response:
        if self.switches.unauthorized_body == "oauth":
            payload: dict[str, str] = {
                "error": "invalid_token",
                "error_description": "Access token expired or invalid",
            }
        else:
            payload = {}
        return Response(401, payload, PLAIN_JSON)

    def _mutate(self, kind: str) -> dict[str, Any] | None:
        entry = self.drift.apply(kind, self.request_number)
        if entry is not None:
            self.stats.mutations[kind] = self.stats.mutations.get(kind, 0) + 1
        return entry

    def latency_seconds(self, raw_path: str) -> float:
        """Delay to add before answering (API calls only, never /_sim/)."""
        if urlsplit(raw_path).path.startswith("/_sim"):
            return 0.0
        return max(0, self.switches.latency_ms) / 1000.0

    def _api(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        base: str,
    ) -> Response:
        self.stats.total_requests += 1
        params = parse_qsl(query, keep_blank_values=True)
        names = [name for name, _ in params]
        if len(names) != len(set(names)):
            self.stats.duplicate_query_params += 1

        matched: Route | None = None
        arguments: dict[str, str] = {}
        for route in self.routes:
            found = route[1].match(path)
            if found:
                matched, arguments = route, found.groupdict()
                if route[0] == method:
                    break
        template = matched[2] if matched else "unknown"
        self.stats.by_path[template] = self.stats.by_path.get(template, 0) + 1
        limit = self.switches.rate_limit_per_minute

        if matched is not None and matched[3] == "token":
            if method != "POST":
                return self._with_rate_headers(
                    Response(405, error_envelope("Method not allowed"), PLAIN_JSON), limit
                )
            if self.switches.count_token_requests and not self.budget.spend(limit):
                return self._too_many(limit)
            return self._with_rate_headers(self._token(body, query, headers), limit)

        if not self._authorized(headers):
            self.stats.unauthorized += 1
            return self._with_rate_headers(self._unauthorized(), limit)
        if not self.budget.spend(limit):
            return self._too_many(limit)
        if matched is None or matched[0] != method:
            status = 404 if matched is None else 405
            return self._with_rate_headers(
                Response(status, error_envelope("Resource not found"), PLAIN_JSON), limit
            )
        if matched[3] == "report" and self.switches.plan == "standard":
            # Reports are Plus/Pro only; the 403 body is not documented.
            denied = error_envelope("Access denied: reports need a Plus or Pro plan")
            return self._with_rate_headers(Response(403, denied, PLAIN_JSON), limit)
        try:
            response = matched[4](base=base, params=params, **arguments)
        except ApiError as error:
            response = error.response
        except Exception as error:
            response = Response(500, error_envelope(f"simulator error: {error!r}"), PLAIN_JSON)
        return self._with_rate_headers(response, limit)

    def _with_rate_headers(self, response: Response, limit: int) -> Response:
        response.headers.update(self.budget.headers(limit))
        return response

    def _too_many(self, limit: int) -> Response:
        self.stats.rate_limited += 1
        wait = str(self.budget.seconds_to_reset())
        response = Response(429, {"message": "API rate limit exceeded"}, PLAIN_JSON)
        response.headers.update(self.budget.headers(limit))
        response.headers["X-RateLimit-Remaining-Minute"] = "0"
        variant = self.switches.retry_after_header
        if variant in ("x-ratelimit", "both"):
            response.headers["X-RateLimit-Retry-After"] = wait
        if variant in ("retry-after", "both"):
            response.headers["Retry-After"] = wait
        return response

    # -- auth ----------------------------------------------------------------------------------
    def _authorized(self, headers: dict[str, str]) -> bool:
        value = headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        expires = self.tokens.get(token.strip())
        return expires is not None and expires > self.clock()

    def _token(self, body: bytes, query: str, headers: dict[str, str]) -> Response:
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        values: dict[str, str] = dict(parse_qsl(query))
        text = body.decode("utf-8", errors="replace")
        if content_type == "application/json" or text.lstrip().startswith("{"):
            try:
                decoded = json.loads(text or "{}")
            except ValueError:
                return Response(
                    400,
                    {"error": "invalid_request", "error_description": "Body is not valid JSON"},
                    PLAIN_JSON,
                )
            if isinstance(decoded, dict):
                values.update({str(k): str(v) for k, v in decoded.items()})
        else:
            values.update(dict(parse_qsl(text, keep_blank_values=True)))

        grant = values.get("grant_type", "")
        # The authorization-code flow's renewal (what singer-io's tap uses) is accepted too: any
        # non-empty refresh token with the right client, answered with a new one (they rotate).
        refreshing = grant == "refresh_token" and bool(values.get("refresh_token"))
        if grant != "client_credentials" and not refreshing:
            return Response(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": f"Unsupported grant type: {grant}",
                },
                PLAIN_JSON,
            )
        if not values.get("client_id") or not values.get("client_secret"):
            return Response(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "client_id and client_secret are required",
                },
                PLAIN_JSON,
            )
        if (values["client_id"], values["client_secret"]) != (
            self.config.client_id,
            self.config.client_secret,
        ):
            # Inferred status: the docs only say token errors are OAuth2-style JSON; RFC 6749
            # allows 401 for a failed client authentication, which is what this answers.
            return Response(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                PLAIN_JSON,
            )
        token = secrets.token_hex(20)
        expires_in = self.switches.token_expires_in
        self.tokens[token] = self.clock() + expires_in
        self.stats.tokens_issued += 1
        issued: dict[str, Any] = {
            "token_type": "bearer",
            "access_token": token,
            "expires_in": expires_in,
        }
        if refreshing:
            issued["refresh_token"] = secrets.token_hex(20)
        return Response(200, issued, PLAIN_JSON)

    # -- helpers -------------------------------------------------------------------------------
    def _cached(self, key: tuple[Any, ...], build: Callable[[], list[Any]]) -> list[Any]:
        if self._cache_version != self.data.version:
            self._cache.clear()
            self._mailbox_customers.clear()
            self._cache_version = self.data.version
        found = self._cache.get(key)
        if found is None:
            found = build()
            self._cache[key] = found
            if len(self._cache) > 64:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return found

    def _page_number(self, params: dict[str, str]) -> int:
        raw = params.get("page", "1") or "1"
        try:
            number = int(raw)
        except ValueError:
            raise bad_request("page", "must be a positive integer", raw) from None
        if number < 1:
            raise bad_request("page", "must be a positive integer", raw)
        if self.switches.max_page and number > self.switches.max_page:
            # An optional cap (API.md section 2.4): lets a client's handling of one be tested.
            raise bad_request("page", f"must not exceed {self.switches.max_page}", raw)
        return number

    def _hal(
        self,
        base: str,
        path: str,
        pairs: list[tuple[str, str]],
        key: str,
        records: list[Any],
        size: int,
        draw: Callable[[Any], dict[str, Any]],
    ) -> Response:
        params = _first_values(pairs)
        number = self._page_number(params)
        chosen = records[(number - 1) * size : number * size]
        kept = [(name, value) for name, value in pairs if name != "page"]
        envelope = page_envelope(
            root=f"{base}{path}",
            params=kept,
            key=key,
            items=[draw(item) for item in chosen],
            number=number,
            size=size,
            total=len(records),
            empty_number=self.switches.empty_page_number,
        )
        return Response(200, envelope)

    def _since(self, params: dict[str, str]) -> int | None:
        raw = params.get("modifiedSince")
        if raw is None or raw == "":
            return None
        if has_fraction(raw):
            raise bad_request("modifiedSince", "fractional seconds are not accepted", raw)
        moment = parse_strict(raw)
        if moment is None:
            raise bad_request("modifiedSince", "expected yyyy-MM-dd'T'HH:mm:ss'Z'", raw)
        return moment

    def _query(self, params: dict[str, str], allowed: frozenset[str]) -> search.Node | None:
        raw = params.get("query")
        if not raw:
            return None
        try:
            return search.parse(raw, allowed)
        except search.QueryError as error:
            raise bad_request("query", str(error), raw) from None

    def _sort_order(self, params: dict[str, str]) -> bool:
        raw = params.get("sortOrder", "desc") or "desc"
        if raw.lower() not in ("asc", "desc"):
            raise bad_request("sortOrder", "Expected one of these: 'asc', 'desc'", raw)
        return raw.lower() == "desc"

    def _conversation(self, raw_id: str) -> Conversation:
        conv = self.data.by_id.get(int(raw_id))
        if conv is None or conv.deleted:
            raise not_found()
        return conv

    # -- conversations -------------------------------------------------------------------------
    def _conversation_value(self, conv: Conversation, name: str) -> Any:
        data = self.data
        if name == "modifiedAt":
            return conv.modified_at
        if name == "createdAt":
            return conv.created_at
        if name == "subject":
            return conv.subject
        if name == "customerIds":
            return data.customers[conv.customer_index].id
        if name == "mailboxid":
            return data.mailboxes[conv.mailbox_index]["id"]
        if name == "tag":
            return [data.tags[i]["name"] for i in conv.tag_indexes]
        if name == "email":
            return data.customers[conv.customer_index].email
        return getattr(conv, name)

    def _list_conversations(self, base: str, params: list[tuple[str, str]]) -> Response:
        first = _first_values(params)
        status = first.get("status") or "active"
        if status not in CONVERSATION_STATUSES:
            raise bad_request(
                "status",
                "Expected one of these: 'active', 'spam', 'open', 'closed', 'pending'",
                status,
            )
        mailboxes = _int_set(first.get("mailbox"), "mailbox")
        folder = _int_set(first.get("folder"), "folder")
        assigned = _int_set(first.get("assigned_to"), "assigned_to")
        numbers = _int_set(first.get("number"), "number")
        tags = {t.strip().lower() for t in first.get("tag", "").split(",") if t.strip()}
        since = self._since(first)
        tree = self._query(first, CONVERSATION_QUERY_FIELDS)
        sort_field = first.get("sortField") or "createdAt"
        if sort_field not in CONVERSATION_SORTS:
            raise bad_request(
                "sortField", f"Expected one of these: {CONVERSATION_SORTS}", sort_field
            )
        descending = self._sort_order(first)
        key = (
            "conversations",
            status,
            mailboxes,
            folder,
            assigned,
            numbers,
            frozenset(tags),
            since,
            first.get("query"),
            sort_field,
            descending,
        )

        def build() -> list[Conversation]:
            ranges = search.top_level_ranges(tree) if tree else {}
            low, high = ranges.get("modifiedAt", (None, None))
            if since is not None:
                low = since + 1 if low is None else max(low, since + 1)
            if low is not None or high is not None:
                candidates = self.data.conversations_in("modifiedAt", low, high)
            elif "createdAt" in ranges:
                candidates = self.data.conversations_in("createdAt", *ranges["createdAt"])
            else:
                candidates = self.data.live_conversations()
            data = self.data
            result = []
            for conv in candidates:
                if status == "all":
                    pass
                elif status == "open":  # inferred: "open" covers active and pending
                    if conv.status not in ("active", "pending"):
                        continue
                elif conv.status != status:
                    continue
                if since is not None and conv.modified_at <= since:
                    continue
                if mailboxes and data.mailboxes[conv.mailbox_index]["id"] not in mailboxes:
                    continue
                if folder and conv.folder_id not in folder:
                    continue
                if assigned and conv.assignee_id not in assigned:
                    continue
                if numbers and conv.number not in numbers:
                    continue
                if tags and not tags & {str(data.tags[i]["name"]) for i in conv.tag_indexes}:
                    continue
                if tree is not None and not search.matches(tree, conv, self._conversation_value):
                    continue
                result.append(conv)
            result.sort(key=self._conversation_sort_key(sort_field), reverse=descending)
            return result

        records = self._cached(key, build)
        self.drift.note_window(records, self._page_number(first) * CONVERSATIONS_PER_PAGE)
        embed = first.get("embed") == "threads"
        return self._hal(
            base,
            "/v2/conversations",
            params,
            "conversations",
            records,
            CONVERSATIONS_PER_PAGE,
            lambda conv: self._render_conversation(conv, base, embed),
        )

    def _conversation_sort_key(self, sort_field: str) -> Callable[[Conversation], Any]:
        data = self.data
        if sort_field == "modifiedAt":
            return lambda c: (c.modified_at, c.id)
        if sort_field == "number":
            return lambda c: (c.number, c.id)
        if sort_field == "mailboxid":
            return lambda c: (data.mailboxes[c.mailbox_index]["id"], c.id)
        if sort_field == "status":
            return lambda c: (c.status, c.id)
        if sort_field == "subject":
            return lambda c: (c.subject.lower(), c.id)
        if sort_field == "waitingSince":
            return lambda c: (c.cws_time, c.id)
        if sort_field == "customerEmail":
            return lambda c: (data.customers[c.customer_index].email, c.id)
        if sort_field == "customerName":
            return lambda c: (render.customer_display_name(data.customers[c.customer_index]), c.id)
        return lambda c: (c.created_at, c.id)  # createdAt, and score (no relevance modelled)

    def _render_conversation(self, conv: Conversation, base: str, embed: bool) -> dict[str, Any]:
        return render.conversation(
            self.data,
            conv,
            base,
            embed_threads=embed,
            embed_max=self.switches.embed_threads_max,
            chat_chars=self.switches.embed_chat_body_chars,
        )

    def _get_conversation(self, base: str, params: list[tuple[str, str]], id: str) -> Response:
        conv = self._conversation(id)
        if conv.merged_into:
            survivor = conv
            while survivor.merged_into:
                survivor = self.data.by_id[survivor.merged_into]
            # Inferred: the original query (e.g. embed=threads) is kept on the new location.
            query = encode_query(params) if params else ""
            location = f"{base}/v2/conversations/{survivor.id}" + (f"?{query}" if query else "")
            return Response(301, None, HAL_JSON, {"Location": location})
        embed = _first_values(params).get("embed") == "threads"
        return Response(200, self._render_conversation(conv, base, embed))

    def _list_threads(self, base: str, params: list[tuple[str, str]], id: str) -> Response:
        conv = self._conversation(id)
        if conv.merged_into:
            raise not_found()
        order = render.threads_newest_first(conv)
        return self._hal(
            base,
            f"/v2/conversations/{conv.id}/threads",
            params,
            "threads",
            order,
            THREADS_PER_PAGE,
            lambda index: render.thread(self.data, conv, index, base),
        )

    # -- customers -----------------------------------------------------------------------------
    def _customer_value(self, cust: Customer, name: str) -> Any:
        if name == "modifiedAt":
            return cust.updated_at
        if name == "createdAt":
            return cust.created_at
        if name == "firstName":
            return cust.first
        if name == "lastName":
            return cust.last
        if name == "email":
            return cust.email
        return cust.email.rsplit("@", 1)[-1]  # emailDomain

    def _list_customers(self, base: str, params: list[tuple[str, str]]) -> Response:
        first = _first_values(params)
        since = self._since(first)
        tree = self._query(first, CUSTOMER_QUERY_FIELDS)
        sort_field = first.get("sortField") or "createdAt"
        if sort_field not in CUSTOMER_SORTS:
            raise bad_request("sortField", f"Expected one of these: {CUSTOMER_SORTS}", sort_field)
        descending = self._sort_order(first)
        mailboxes = _int_set(first.get("mailbox"), "mailbox")
        first_name = first.get("firstName", "").lower()
        last_name = first.get("lastName", "").lower()
        key = (
            "customers",
            since,
            first.get("query"),
            sort_field,
            descending,
            mailboxes,
            first_name,
            last_name,
        )

        def build() -> list[Customer]:
            ranges = search.top_level_ranges(tree) if tree else {}
            low, high = ranges.get("modifiedAt", (None, None))
            if since is not None:
                low = since + 1 if low is None else max(low, since + 1)
            candidates = self.data.customers_in(low, high)
            allowed = self._customers_of(mailboxes) if mailboxes else None
            result = [
                cust
                for cust in candidates
                if (since is None or cust.updated_at > since)
                and (allowed is None or cust.id in allowed)
                and (not first_name or cust.first.lower() == first_name)
                and (not last_name or cust.last.lower() == last_name)
                and (tree is None or search.matches(tree, cust, self._customer_value))
            ]
            sorters: dict[str, Callable[[Customer], Any]] = {
                "modifiedAt": lambda c: (c.updated_at, c.id),
                "firstName": lambda c: (c.first.lower(), c.id),
                "lastName": lambda c: (c.last.lower(), c.id),
            }
            result.sort(
                key=sorters.get(sort_field, lambda c: (c.created_at, c.id)), reverse=descending
            )
            return result

        records = self._cached(key, build)
        return self._hal(
            base,
            "/v2/customers",
            params,
            "customers",
            records,
            DEFAULT_PAGE_SIZE,
            lambda cust: render.customer(self.data, cust, base),
        )

    def _customers_of(self, mailboxes: frozenset[int]) -> frozenset[int]:
        ids: set[int] = set()
        for conv in self.data.live_conversations():
            if self.data.mailboxes[conv.mailbox_index]["id"] in mailboxes:
                ids.add(self.data.customers[conv.customer_index].id)
        return frozenset(ids)

    def _get_customer(self, base: str, params: list[tuple[str, str]], id: str) -> Response:
        cust = self.data.customer_by_id.get(int(id))
        if cust is None:
            raise not_found()
        return Response(200, render.customer(self.data, cust, base))

    # -- mailboxes and users -------------------------------------------------------------------
    def _mailbox_index(self, raw_id: str) -> int:
        for index, box in enumerate(self.data.mailboxes):
            if box["id"] == int(raw_id):
                return index
        raise not_found()

    def _list_mailboxes(self, base: str, params: list[tuple[str, str]]) -> Response:
        indexes = list(range(len(self.data.mailboxes)))
        return self._hal(
            base,
            "/v2/mailboxes",
            params,
            "mailboxes",
            indexes,
            DEFAULT_PAGE_SIZE,
            lambda index: render.mailbox(self.data, index, base),
        )

    def _get_mailbox(self, base: str, params: list[tuple[str, str]], id: str) -> Response:
        return Response(200, render.mailbox(self.data, self._mailbox_index(id), base))

    def _list_folders(self, base: str, params: list[tuple[str, str]], id: str) -> Response:
        index = self._mailbox_index(id)
        folders = self.data.folders[index]
        return self._hal(
            base,
            f"/v2/mailboxes/{id}/folders",
            params,
            "folders",
            folders,
            DEFAULT_PAGE_SIZE,
            lambda item: render.folder(self.data, index, item, base),
        )

    def _list_users(self, base: str, params: list[tuple[str, str]]) -> Response:
        email = _first_values(params).get("email", "").lower()
        ids = [
            int(u["id"]) for u in self.data.users if not email or str(u["email"]).lower() == email
        ]
        return self._hal(
            base,
            "/v2/users",
            params,
            "users",
            ids,
            DEFAULT_PAGE_SIZE,
            lambda user_id: render.user(self.data, user_id, base),
        )

    def _get_me(self, base: str, params: list[tuple[str, str]]) -> Response:
        owner = int(self.data.users[0]["id"])
        return Response(200, render.user(self.data, owner, base, me=True))

    def _get_user(self, base: str, params: list[tuple[str, str]], id: str) -> Response:
        if int(id) not in self.data.user_by_id:
            raise not_found()
        return Response(200, render.user(self.data, int(id), base))

    # -- phase 2 endpoints ---------------------------------------------------------------------
    def _list_fields(self, base: str, params: list[tuple[str, str]], id: str) -> Response:
        index = self._mailbox_index(id)
        box_id = int(self.data.mailboxes[index]["id"])
        return self._hal(
            base,
            f"/v2/mailboxes/{id}/fields",
            params,
            "fields",
            self.data.fields_by_mailbox[index],
            DEFAULT_PAGE_SIZE,
            lambda item: render.mailbox_field(item, box_id, base),
        )

    def _list_saved_replies(
        self,
        base: str,
        params: list[tuple[str, str]],
        id: str,
    ) -> Response:
        index = self._mailbox_index(id)
        include_chat = _first_values(params).get("includeChatReplies", "true") != "false"
        replies = render.saved_replies(self.data, index)
        if not include_chat:
            replies = [reply for reply in replies if not reply["chatText"]]
        # A bare JSON array: this endpoint has neither HAL envelope nor paging.
        return Response(200, [render.saved_reply_summary(reply) for reply in replies])

    def _get_saved_reply(
        self,
        base: str,
        params: list[tuple[str, str]],
        id: str,
        reply: str,
    ) -> Response:
        for item in render.saved_replies(self.data, self._mailbox_index(id)):
            if item["id"] == int(reply):
                return Response(200, item)
        raise not_found()

    def _list_teams(self, base: str, params: list[tuple[str, str]]) -> Response:
        return self._hal(
            base,
            "/v2/teams",
            params,
            "teams",
            self.data.teams,
            DEFAULT_PAGE_SIZE,
            lambda item: render.team(item, base),
        )

    def _list_team_members(
        self,
        base: str,
        params: list[tuple[str, str]],
        id: str,
    ) -> Response:
        for index, item in enumerate(self.data.teams):
            if item["id"] == int(id):
                members = self.data.team_members[index]
                return self._hal(
                    base,
                    f"/v2/teams/{id}/members",
                    params,
                    "users",
                    members,
                    DEFAULT_PAGE_SIZE,
                    lambda user_id: render.user(self.data, user_id, base),
                )
        raise not_found()

    def _sorted_tags(self) -> list[dict[str, Any]]:
        return sorted(self.data.tags, key=lambda item: (str(item["name"]), int(item["id"])))

    def _list_tags(self, base: str, params: list[tuple[str, str]]) -> Response:
        return self._hal(
            base, "/v2/tags", params, "tags", self._sorted_tags(), DEFAULT_PAGE_SIZE, render.tag
        )

    def _get_tag(self, base: str, params: list[tuple[str, str]], id: str) -> Response:
        for item in self.data.tags:
            if item["id"] == int(id):
                return Response(200, render.tag(item))
        raise not_found()

    def _list_workflows(self, base: str, params: list[tuple[str, str]]) -> Response:
        first = _first_values(params)
        mailbox_ids = _int_set(first.get("mailboxId"), "mailboxId")
        kind = first.get("type")
        items = [
            item
            for item in render.workflows(self.data)
            if (not mailbox_ids or item["mailboxId"] in mailbox_ids)
            and (not kind or item["type"] == kind)
        ]
        return self._hal(
            base,
            "/v2/workflows",
            params,
            "workflows",
            items,
            DEFAULT_PAGE_SIZE,
            lambda item: {
                **item,
                "_links": {"self": {"href": f"{base}/v2/workflows/{item['id']}"}},
            },
        )

    def _webhook(self, item: dict[str, Any], base: str) -> dict[str, Any]:
        return {**item, "_links": {"self": {"href": f"{base}/v2/webhooks/{item['id']}"}}}

    def _list_webhooks(self, base: str, params: list[tuple[str, str]]) -> Response:
        return self._hal(
            base,
            "/v2/webhooks",
            params,
            "webhooks",
            render.webhooks(self.data),
            DEFAULT_PAGE_SIZE,
            lambda item: self._webhook(item, base),
        )

    def _get_webhook(self, base: str, params: list[tuple[str, str]], id: str) -> Response:
        for item in render.webhooks(self.data):
            if item["id"] == int(id):
                return Response(200, self._webhook(item, base))
        raise not_found()

    def _list_organizations(self, base: str, params: list[tuple[str, str]]) -> Response:
        indexes = list(range(len(self.data.organizations)))
        field_name, _, order = (_first_values(params).get("sort") or "name,asc").partition(",")
        if field_name == "name":
            indexes.sort(
                key=lambda i: (str(self.data.organizations[i]["name"]), i), reverse=order == "desc"
            )
        return self._hal(
            base,
            "/v2/organizations",
            params,
            "organizations",
            indexes,
            DEFAULT_PAGE_SIZE,
            lambda index: render.organization(self.data, index, base),
        )

    def _get_organization(
        self,
        base: str,
        params: list[tuple[str, str]],
        id: str,
    ) -> Response:
        counts = _first_values(params).get("includeCounts") == "true"
        for index, item in enumerate(self.data.organizations):
            if item["id"] == int(id):
                return Response(200, render.organization(self.data, index, base, counts=counts))
        raise not_found()

    def _customer_properties(self, base: str, params: list[tuple[str, str]]) -> Response:
        definitions = render.customer_property_definitions(self.data.seed)
        body = {
            "_embedded": {"customer-properties": definitions},
            "_links": {"self": {"href": f"{base}/v2/customer-properties"}},
        }
        return Response(200, body)

    def _get_rating(self, base: str, params: list[tuple[str, str]], id: str) -> Response:
        ref = self.data.rating_by_id.get(int(id))
        if ref is None or not ref.conversation.live:
            raise not_found()
        return Response(200, render.rating(self.data, ref, base))

    # -- reports -------------------------------------------------------------------------------
    def _ratings_report(self, base: str, params: list[tuple[str, str]]) -> Response:
        first = _first_values(params)
        window = []
        for name in ("start", "end"):
            raw = first.get(name)
            if not raw:
                raise ApiError(
                    Response(
                        400,
                        error_envelope(
                            f"'{name}' is required",
                            [
                                {
                                    "path": name,
                                    "message": "may not be null",
                                    "rejectedValue": None,
                                    "source": "Query",
                                }
                            ],
                        ),
                        PLAIN_JSON,
                    )
                )
            moment = parse_loose(raw)
            if moment is None:
                raise bad_request(name, "expected an ISO-8601 date", raw)
            window.append(moment)
        try:
            number = int(first.get("page") or 1)
            rows = int(first.get("rows") or self.switches.report_rows_per_page)
        except ValueError:
            raise bad_request("page", "page and rows must be integers", first.get("page")) from None
        if number < 1 or rows < 1:
            raise bad_request("page", "page and rows must be positive", number)
        mailboxes = _int_set(first.get("mailboxes"), "mailboxes")
        types = {t for t in first.get("types", "").split(",") if t}
        wanted = {"great": "great", "ok": "okay", "not-good": "not_good"}.get(
            first.get("rating", "all")
        )
        rows_out: list[dict[str, Any]] = []
        zone = not self.switches.report_times_without_zone
        # Inferred: the window includes both ends (report examples end at 23:59:59).
        for ref in self.data.ratings:
            conv = ref.conversation
            if not conv.live or not window[0] <= ref.created_at <= window[1]:
                continue
            if mailboxes and self.data.mailboxes[conv.mailbox_index]["id"] not in mailboxes:
                continue
            if types and conv.ctype not in types:
                continue
            row = render.rating_row(self.data, ref, zone=zone)
            if wanted and render.RATING_CODES[wanted] != row["ratingId"]:
                continue
            rows_out.append(row)
        sort_field = first.get("sortField") or first.get("sortFieldRatings") or "modifiedAt"
        descending = (first.get("sortOrder") or "DESC").upper() != "ASC"
        sort_keys: dict[str, Callable[[dict[str, Any]], Any]] = {
            "number": lambda r: (r["number"], r["threadid"]),
            "rating": lambda r: (r["ratingId"], r["threadid"]),
        }
        rows_out.sort(
            key=sort_keys.get(sort_field, lambda r: (r["ratingCreatedAt"], r["threadid"])),
            reverse=descending,
        )
        pages = (len(rows_out) + rows - 1) // rows
        chosen = rows_out[(number - 1) * rows : number * rows]
        envelope = {
            "facets": {},
            "results": chosen,
            "page": number,
            "count": len(rows_out),
            "pages": pages,
        }
        return Response(200, envelope, PLAIN_JSON)

    # -- introspection and control -------------------------------------------------------------
    def _sim(self, method: str, path: str, query: str, body: bytes) -> Response:
        params = _first_values(parse_qsl(query, keep_blank_values=True))
        if path == "/_sim/truth" and method == "GET":
            stream = params.get("stream")
            if stream and stream not in TRUTH_STREAMS:
                return Response(
                    404,
                    {"error": f"unknown stream {stream}", "streams": list(TRUTH_STREAMS)},
                    PLAIN_JSON,
                )
            return Response(200, self.truth(stream), PLAIN_JSON)
        if path == "/_sim/stats" and method == "GET":
            return Response(200, self.stats_state(), PLAIN_JSON)
        if path == "/_sim/requests" and method == "GET":
            return Response(200, {"requests": list(self.request_log)}, PLAIN_JSON)
        if path == "/_sim/mutations" and method == "GET":
            return Response(200, {"mutations": list(self.drift.log)}, PLAIN_JSON)
        if path == "/_sim/conversation_history" and method == "GET":
            return Response(200, self.drift.history(), PLAIN_JSON)
        if path == "/_sim/control" and method == "GET":
            return Response(200, self.control_state(), PLAIN_JSON)
        if path == "/_sim/control" and method == "POST":
            try:
                changes = json.loads(body.decode("utf-8") or "{}")
                if not isinstance(changes, dict):
                    raise TypeError("expected a JSON object")
                return Response(200, self.control(changes), PLAIN_JSON)
            except (ValueError, TypeError) as error:
                return Response(400, {"error": str(error)}, PLAIN_JSON)
        return Response(404, {"error": "unknown simulator endpoint"}, PLAIN_JSON)

    def truth(self, stream: str | None = None) -> dict[str, list[Any]]:
        """Every record the API holds now, in API shape without ``_links``."""
        with self.lock:
            wanted = [stream] if stream else list(TRUTH_STREAMS)
            builders: dict[str, Callable[[], list[Any]]] = {
                "conversations": self._truth_conversations,
                "conversation_threads": self._truth_threads,
                "customers": lambda: [
                    render.customer(self.data, c, "")
                    for c in sorted(self.data.customers, key=lambda c: c.id)
                ],
                "mailboxes": lambda: [
                    render.mailbox(self.data, i, "") for i in range(len(self.data.mailboxes))
                ],
                "mailbox_folders": self._truth_folders,
                "users": lambda: [
                    render.user(self.data, int(u["id"]), "") for u in self.data.users
                ],
                "happiness_ratings_report": lambda: [
                    render.rating_row(
                        self.data, ref, zone=not self.switches.report_times_without_zone
                    )
                    for ref in self.data.ratings
                    if ref.conversation.live
                ],
            }
            builders.update(self._phase2_truth())
            return {name: render.strip_links(builders[name]()) for name in wanted}

    def _phase2_truth(self) -> dict[str, Callable[[], list[Any]]]:
        data = self.data

        def fields_() -> list[Any]:
            return [
                {**render.mailbox_field(item, int(box["id"]), ""), "mailboxId": box["id"]}
                for box, items in zip(data.mailboxes, data.fields_by_mailbox, strict=True)
                for item in items
            ]

        def replies() -> list[Any]:
            return [
                {**render.saved_reply_summary(reply), "mailboxId": box["id"]}
                for index, box in enumerate(data.mailboxes)
                for reply in render.saved_replies(data, index)
            ]

        def members() -> list[Any]:
            return [
                {**render.user(data, user_id, ""), "teamId": item["id"]}
                for item, ids in zip(data.teams, data.team_members, strict=True)
                for user_id in ids
            ]

        return {
            "mailbox_fields": fields_,
            "saved_replies": replies,
            "teams": lambda: [render.team(item, "") for item in data.teams],
            "team_members": members,
            "tags": lambda: [render.tag(item) for item in self._sorted_tags()],
            "workflows": lambda: render.workflows(data),
            "webhooks": lambda: render.webhooks(data),
            "organizations": lambda: [
                render.organization(data, index, "") for index in range(len(data.organizations))
            ],
            "customer_properties": lambda: render.customer_property_definitions(data.seed),
        }

    def _truth_conversations(self) -> list[Any]:
        return [
            render.conversation(self.data, conv, "")
            for conv in sorted(self.data.live_conversations(), key=lambda c: c.id)
        ]

    def _truth_threads(self) -> list[Any]:
        result = []
        for conv in sorted(self.data.live_conversations(), key=lambda c: c.id):
            for index in render.threads_newest_first(conv):
                item = render.thread(self.data, conv, index, "")
                item["conversationId"] = conv.id
                result.append(item)
        return result

    def _truth_folders(self) -> list[Any]:
        result = []
        for index, folders in enumerate(self.data.folders):
            for item in folders:
                rendered = render.folder(self.data, index, item, "")
                rendered["mailboxId"] = self.data.mailboxes[index]["id"]
                result.append(rendered)
        return result

    def stats_state(self) -> dict[str, Any]:
        """The counters of ``GET /_sim/stats``."""
        with self.lock:
            self.budget.headers(0)  # let the other client catch up with the clock
            self.stats.other_client_requests = self.budget.other_spent_total
            return asdict(self.stats)

    def control_state(self) -> dict[str, Any]:
        """Current switches plus live figures."""
        with self.lock:
            state = asdict(self.switches)
            state["budget_used_this_minute"] = self.budget.used
            state["budget_used_by_all_clients"] = self.budget.total_used()
            state["seconds_to_window_reset"] = self.budget.seconds_to_reset()
            state["tokens_live"] = sum(1 for t in self.tokens.values() if t > self.clock())
            state["data_version"] = self.data.version
            state["faults"] = [rule.describe() for rule in self.fault_rules]
            return state

    def control(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply switch changes and one-shot actions; every key is validated before any applies.

        Switches: any field of ``Switches``. Actions: ``expire_tokens`` (true),
        ``reset_rate_window`` (true), ``reset_stats`` (true), ``spend_budget`` (n requests spent
        by another client of the same account), ``faults`` (a list of rules replacing the current
        ones), ``add_faults`` (rules appended), ``mutate`` (one mutation kind, applied now),
        ``edit`` (one named record changed now, see ``Drift.edit``).
        """
        actions: dict[str, Callable[[Any], None]] = {
            "expire_tokens": self._expire_tokens,
            "reset_rate_window": self._reset_rate_window,
            "reset_stats": self._reset_stats,
            "spend_budget": self._spend_budget,
            "faults": self._set_faults,
            "add_faults": self._add_faults,
            "mutate": self._mutate_now,
            "edit": self._edit_now,
        }
        switch_types = {
            item.name: type(getattr(self.switches, item.name)) for item in fields(Switches)
        }
        with self.lock:
            unknown = [key for key in changes if key not in switch_types and key not in actions]
            if unknown:
                raise ValueError(f"unknown control keys: {unknown}")
            for key, value in changes.items():
                if key in switch_types:
                    expected = switch_types[key]
                    if key == "mutations":
                        check_mutations(value)
                    elif expected is int and (
                        isinstance(value, bool) or not isinstance(value, int)
                    ):
                        raise ValueError(f"{key} must be an integer")
                    if expected is bool and not isinstance(value, bool):
                        raise ValueError(f"{key} must be true or false")
                    if expected is str and not isinstance(value, str):
                        raise ValueError(f"{key} must be a string")
                    if key in _SWITCH_CHOICES and value not in _SWITCH_CHOICES[key]:
                        raise ValueError(f"{key} must be one of {_SWITCH_CHOICES[key]}")
                    if key in _POSITIVE_SWITCHES and value < 1:
                        raise ValueError(f"{key} must be at least 1")
                    if key in _NON_NEGATIVE_SWITCHES and value < 0:
                        raise ValueError(f"{key} must not be negative")
                elif key == "mutate" and value not in MUTATION_KINDS:
                    raise ValueError(f"mutate must be one of {MUTATION_KINDS}")
                elif key == "edit":
                    self.drift.check_edit(value)
                elif key in ("faults", "add_faults"):
                    faults.parse_rules(value)
                elif key == "spend_budget" and (
                    isinstance(value, bool) or not isinstance(value, int)
                ):
                    raise ValueError("spend_budget must be an integer")
            for key, value in changes.items():
                if key in switch_types:
                    setattr(self.switches, key, list(value) if key == "mutations" else value)
                    if key == "rate_window_seconds":
                        self.budget.set_window(value)
                    elif key == "other_client_per_minute":
                        self.budget.other_per_window = value
                else:
                    actions[key](value)
            return self.control_state()

    def _expire_tokens(self, flag: Any) -> None:
        if flag:
            for token in self.tokens:
                self.tokens[token] = 0.0

    def _reset_rate_window(self, flag: Any) -> None:
        if flag:
            self.budget.reset()

    def _reset_stats(self, flag: Any) -> None:
        if flag:
            in_flight = self.stats.in_flight
            self.stats = Stats(in_flight=in_flight)
            self.request_log.clear()

    def _mutate_now(self, kind: str) -> None:
        self._mutate(kind)

    def _edit_now(self, change: dict[str, Any]) -> None:
        entry = self.drift.edit(change, self.request_number)
        self.stats.mutations["edit"] = self.stats.mutations.get("edit", 0) + 1
        self.drift.log.append(entry)

    def _set_faults(self, rules: Any) -> None:
        self.fault_rules = faults.parse_rules(rules)

    def _add_faults(self, rules: Any) -> None:
        self.fault_rules.extend(faults.parse_rules(rules))

    def _spend_budget(self, units: int) -> None:
        self.budget.spend(0, units)  # another client: it spends even past the limit


def _first_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """First value of each parameter (a repeated parameter is counted in the stats)."""
    result: dict[str, str] = {}
    for name, value in pairs:
        result.setdefault(name, value)
    return result


def _int_set(raw: str | None, name: str) -> frozenset[int]:
    if not raw:
        return frozenset()
    try:
        return frozenset(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise bad_request(name, "expected comma-separated integers", raw) from None
