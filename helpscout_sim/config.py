"""Settings of the simulated Help Scout account: how much data it holds and how the API behaves.

Data settings are read once at startup; behaviour settings seed the runtime switches that
``POST /_sim/control`` can change later.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from helpscout_sim.drift import DEFAULT_MUTATIONS, MUTATION_KINDS
from helpscout_sim.faults import parse_rules

PLANS = ("standard", "plus", "pro")
RETRY_AFTER_VARIANTS = ("x-ratelimit", "retry-after", "both")
UNAUTHORIZED_BODIES = ("empty", "oauth")


def _doc(text: str, group: str = "data") -> dict[str, Any]:
    return {"help": text, "group": group}


@dataclass
class SimulatorConfig:
    """Everything that shapes one simulator instance; every field is also a CLI flag."""

    # -- server --------------------------------------------------------------------------------
    port: int = field(
        default=0, metadata=_doc("TCP port on 127.0.0.1 (0 picks a free one)", "server")
    )

    # -- data ----------------------------------------------------------------------------------
    seed: int = field(default=1, metadata=_doc("seed of every generated record"))
    conversations: int = field(default=120, metadata=_doc("conversations generated"))
    customers: int = field(default=100, metadata=_doc("customers generated"))
    users: int = field(default=8, metadata=_doc("users (agents) generated"))
    mailboxes: int = field(default=3, metadata=_doc("mailboxes (inboxes) generated"))
    custom_folders_per_mailbox: int = field(
        default=2, metadata=_doc("custom folders per mailbox, besides the standard ones")
    )
    tags: int = field(default=12, metadata=_doc("tags generated"))
    teams: int = field(default=3, metadata=_doc("teams generated"))
    organizations: int = field(default=8, metadata=_doc("organizations generated"))
    long_thread_conversations: int = field(
        default=2, metadata=_doc("conversations given exactly 30 threads (two thread pages)")
    )
    deleted_fraction: float = field(
        default=0.02, metadata=_doc("share of conversations that are deleted (404, never listed)")
    )
    merged_fraction: float = field(
        default=0.02, metadata=_doc("share of conversations merged into another one (301)")
    )
    user_updated_always: bool = field(
        default=False,
        metadata=_doc(
            "give every conversation a userUpdatedAt (its creation time when no user acted); "
            "singer-io's tap fails on a conversation with neither userUpdatedAt nor "
            "customerWaitingSince, so the benchmark turns this on to run it"
        ),
    )
    history_days: int = field(default=365, metadata=_doc("days of history before data_end"))
    data_end: str = field(
        default="2025-06-01T00:00:00Z",
        metadata=_doc("latest creation/modification time of seeded data (fixed for determinism)"),
    )

    # -- auth ----------------------------------------------------------------------------------
    client_id: str = field(default="sim-client-id", metadata=_doc("accepted client_id", "auth"))
    client_secret: str = field(
        default="sim-client-secret", metadata=_doc("accepted client_secret", "auth")
    )
    token_expires_in: int = field(
        default=172800, metadata=_doc("expires_in of issued tokens, in seconds", "auth")
    )
    unauthorized_body: str = field(
        default="empty",
        metadata=_doc("body of a 401 on resource calls: empty ({}) or oauth", "auth"),
    )

    # -- behaviour -----------------------------------------------------------------------------
    plan: str = field(
        default="plus", metadata=_doc("account plan: standard (no reports), plus, pro", "api")
    )
    rate_limit_per_minute: int = field(
        default=400, metadata=_doc("account-wide requests per minute (0 = unlimited)", "api")
    )
    rate_window_seconds: int = field(
        default=60,
        metadata=_doc(
            "length of the rate window in seconds (the API's is 60; tests use less)", "api"
        ),
    )
    other_client_per_minute: int = field(
        default=0,
        metadata=_doc(
            "requests another client of the account spends per window, spread evenly", "api"
        ),
    )
    retry_after_header: str = field(
        default="x-ratelimit",
        metadata=_doc("header on a 429: x-ratelimit, retry-after or both", "api"),
    )
    count_token_requests: bool = field(
        default=False, metadata=_doc("whether token requests spend the rate budget", "api")
    )
    latency_ms: int = field(default=0, metadata=_doc("delay added to every API response", "api"))
    empty_page_number: int = field(
        default=0, metadata=_doc("page.number reported on an empty result (0 or 1)", "api")
    )
    embed_threads_max: int = field(
        default=25, metadata=_doc("threads embedded per conversation with embed=threads", "api")
    )
    embed_chat_body_chars: int = field(
        default=200, metadata=_doc("length chat bodies are cut to when embedded", "api")
    )
    report_rows_per_page: int = field(
        default=50, metadata=_doc("default rows per page of the ratings report", "api")
    )
    report_times_without_zone: bool = field(
        default=False,
        metadata=_doc(
            "ratings report times without the trailing Z, as /v2/ratings/{id} sends them", "api"
        ),
    )
    max_page: int = field(
        default=0, metadata=_doc("deepest page served on HAL lists (0 = no cap)", "api")
    )
    faults: list[dict[str, Any]] = field(
        default_factory=list,
        metadata=_doc(
            "fault rules as a JSON list, e.g. "
            '[{"path": "/v2/conversations", "kind": "status", "status": 503, "count": 2}]',
            "faults",
        ),
    )
    mutate_every: int = field(
        default=0,
        metadata=_doc("apply one mutation after every N-th API request (0 = never)", "drift"),
    )
    mutations: list[str] = field(
        default_factory=lambda: list(DEFAULT_MUTATIONS),
        metadata=_doc(
            "mutation kinds drawn from: touch, create, delete, merge, touch_customer", "drift"
        ),
    )
    request_log_size: int = field(
        default=10000, metadata=_doc("requests remembered for GET /_sim/requests", "api")
    )

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Refuse settings the simulator cannot honour, with a message naming the field."""
        if self.plan not in PLANS:
            raise ValueError(f"plan must be one of {PLANS}")
        if self.retry_after_header not in RETRY_AFTER_VARIANTS:
            raise ValueError(f"retry_after_header must be one of {RETRY_AFTER_VARIANTS}")
        if self.unauthorized_body not in UNAUTHORIZED_BODIES:
            raise ValueError(f"unauthorized_body must be one of {UNAUTHORIZED_BODIES}")
        if self.rate_window_seconds < 1:
            raise ValueError("rate_window_seconds must be at least 1")
        if self.other_client_per_minute < 0 or self.rate_limit_per_minute < 0:
            raise ValueError(
                "rate_limit_per_minute and other_client_per_minute must not be negative"
            )
        if self.empty_page_number not in (0, 1):
            raise ValueError("empty_page_number must be 0 or 1")
        for name in ("conversations", "customers", "users", "mailboxes", "tags"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        parse_rules(self.faults)
        check_mutations(self.mutations)
        if self.mutate_every < 0:
            raise ValueError("mutate_every must not be negative")
        if not 0.0 <= self.deleted_fraction + self.merged_fraction < 0.5:
            raise ValueError("deleted_fraction + merged_fraction must be in [0, 0.5)")

    @classmethod
    def field_specs(cls) -> list[dataclasses.Field[Any]]:
        """The dataclass fields, in declaration order (used to build the CLI)."""
        return list(dataclasses.fields(cls))


def check_mutations(kinds: object) -> list[str]:
    """Validate a list of mutation kinds; raises ValueError naming the problem."""
    if not isinstance(kinds, list) or not kinds:
        raise ValueError("mutations must be a non-empty list")
    unknown = [kind for kind in kinds if kind not in MUTATION_KINDS]
    if unknown:
        raise ValueError(f"unknown mutations {unknown}; choose from {MUTATION_KINDS}")
    return kinds
