"""Data that changes while a client reads it: touches, new, deleted and merged conversations.

Every choice comes from a generator seeded by the account's seed, so the same sequence of
requests meets the same changes. Times come from the simulator's clock: the later of
``data_end`` and the real time, never going back. Like Help Scout's own times it has whole
seconds, so several changes within one second share a time (ties sort by id).
"""

from __future__ import annotations

import random
from array import array
from typing import TYPE_CHECKING, Any

from helpscout_sim import words
from helpscout_sim.dataset import (
    Conversation,
    Dataset,
    derive_activity,
    file_conversation,
)
from helpscout_sim.timeutil import iso

if TYPE_CHECKING:
    from collections.abc import Callable

MUTATION_KINDS = ("touch", "create", "delete", "merge", "touch_customer")
DEFAULT_MUTATIONS = ("touch", "create", "delete", "merge")
SALT_DRIFT = 0xD41F7


class Drift:
    """Applies mutations to a dataset and remembers what it did and when."""

    def __init__(self, data: Dataset, clock: Callable[[], float]) -> None:
        self.data = data
        self.clock = clock
        self.rng = random.Random(data.seed * 1_000_003 + SALT_DRIFT)
        self.log: list[dict[str, Any]] = []
        self.initial_ids = sorted(conv.id for conv in data.conversations if conv.live)
        self.created: dict[int, int] = {}
        self.removed: dict[int, dict[str, Any]] = {}
        self._last_moment = data.data_end
        self._next_thread_id = 1 + max(
            (conv.thread_id(len(conv.codes) - 1) for conv in data.conversations if conv.codes),
            default=0,
        )
        # The result set and served depth of the latest conversation list request.
        self._window: list[Conversation] = []
        self._window_served = 0

    # -- inputs --------------------------------------------------------------------------------
    def note_window(self, records: list[Conversation], served: int) -> None:
        """Remember what the client is paging through, so drift can strike inside it."""
        self._window = records
        self._window_served = min(served, len(records))

    def now(self) -> int:
        """The simulator's clock: never before data_end, never before the last change.

        It must not run ahead of the real time: a client bounds its windows by the server's
        time (the `Date` header), as it would with Help Scout.
        """
        moment = max(self.data.data_end, int(self.clock()), self._last_moment)
        self._last_moment = moment
        return moment

    # -- choices -------------------------------------------------------------------------------
    def _live(self) -> list[Conversation]:
        return self.data.live_conversations()

    def _target(self, exclude: Conversation | None = None) -> Conversation | None:
        """A live conversation, preferably one the client has already been served in its window.

        Changing a record before the client's position shifts every later record one slot
        towards the start, which is how offset paging skips records (API.md section 5.3).
        """
        served = [
            conv
            for conv in self._window[: self._window_served]
            if conv.live and conv is not exclude
        ]
        pool = served or [conv for conv in self._live() if conv is not exclude]
        return self.rng.choice(pool) if pool else None

    # -- mutations -----------------------------------------------------------------------------
    def apply(self, kind: str, request_number: int) -> dict[str, Any] | None:
        """Apply one mutation; returns its log entry, or None when nothing could change."""
        handler = {
            "touch": self._touch,
            "create": self._create,
            "delete": self._delete,
            "merge": self._merge,
            "touch_customer": self._touch_customer,
        }[kind]
        entry = handler()
        if entry is None:
            return None
        entry["request"] = request_number
        if kind == "create":
            self.created[entry["conversation_id"]] = request_number
        elif kind in ("delete", "merge"):
            removal = {"kind": kind, "request": request_number}
            if kind == "merge":
                removal["merged_into"] = entry["merged_into"]
            self.removed[entry["conversation_id"]] = removal
        self.data.version += 1
        self.log.append(entry)
        return entry

    def _touch(self) -> dict[str, Any] | None:
        conv = self._target()
        if conv is None:
            return None
        moment = self.now()
        file_conversation(self.data, conv, -1)
        draw = self.rng.random()
        if conv.status == "spam" or draw < 0.4:
            change = self._toggle_tag(conv)
        elif draw < 0.75:
            self._add_thread(conv, "c", moment)
            if conv.status == "closed":
                conv.status = "active"  # a customer reply reopens a closed conversation
            change = "thread"
        else:
            conv.status = {"active": "pending", "pending": "active"}.get(conv.status, "active")
            change = "status"
        conv.modified_at = moment
        derive_activity(self.data, conv)
        file_conversation(self.data, conv)
        return {
            "kind": "touch",
            "change": change,
            "conversation_id": conv.id,
            "time": iso(moment),
        }

    def _toggle_tag(self, conv: Conversation) -> str:
        tag_index = self.rng.randrange(len(self.data.tags))
        tags = set(conv.tag_indexes)
        tags.symmetric_difference_update({tag_index})
        conv.tag_indexes = tuple(sorted(tags))
        return "tag"

    def _add_thread(self, conv: Conversation, code: str, moment: int) -> None:
        if conv.tids is None:
            conv.tids = array("q", [conv.tbase + i for i in range(len(conv.codes))])
        conv.codes += code
        conv.times.append(moment)
        conv.tids.append(self._next_thread_id)
        self._next_thread_id += 1

    def _create(self) -> dict[str, Any] | None:
        data = self.data
        moment = self.now()
        conv = Conversation()
        conv.id = max(data.by_id) + 1 + self.rng.randrange(40)
        conv.number = max(item.number for item in data.conversations) + 1
        conv.created_at = moment
        conv.ctype = "email"
        conv.status = "active"
        conv.mailbox_index = self.rng.randrange(len(data.mailboxes))
        conv.customer_index = self.rng.randrange(len(data.customers))
        conv.subject = self.rng.choice(words.SUBJECTS).replace("{n}", str(20000 + conv.number))
        if self.rng.random() < 0.5:
            conv.assignee_id = int(self.rng.choice(data.users)["id"])
        conv.tag_indexes = tuple(sorted(self.rng.sample(range(len(data.tags)), 1)))
        conv.tids = array("q")
        self._add_thread(conv, "c", moment)
        if self.rng.random() < 0.5:
            self._add_thread(conv, "n", moment)
        conv.modified_at = moment
        derive_activity(data, conv)
        data.conversations.append(conv)
        data.by_id[conv.id] = conv
        file_conversation(data, conv)
        return {"kind": "create", "conversation_id": conv.id, "time": iso(moment)}

    def _delete(self) -> dict[str, Any] | None:
        conv = self._target()
        if conv is None or len(self._live()) < 2:
            return None
        moment = self.now()
        file_conversation(self.data, conv, -1)
        conv.deleted = True
        return {"kind": "delete", "conversation_id": conv.id, "time": iso(moment)}

    def _merge(self) -> dict[str, Any] | None:
        old = self._target()
        if old is None:
            return None
        others = [conv for conv in self._live() if conv is not old and len(conv.codes) < 90]
        if not others or len(old.codes) >= 90:
            return None
        survivor = self.rng.choice(others)
        moment = self.now()
        file_conversation(self.data, old, -1)
        file_conversation(self.data, survivor, -1)
        rated = [ref for ref in self.data.ratings if ref.conversation in (old, survivor)]
        rated_tids = [ref.conversation.thread_id(ref.thread_index) for ref in rated]

        entries = [
            (conv.times[i], conv.thread_id(i), conv.codes[i])
            for conv in (survivor, old)
            for i in range(len(conv.codes))
        ]
        entries.append((moment, self._next_thread_id, "g"))
        self._next_thread_id += 1
        entries.sort()
        survivor.codes = "".join(code for _, _, code in entries)
        survivor.times = array("q", [when for when, _, _ in entries])
        survivor.tids = array("q", [tid for _, tid, _ in entries])
        position = {tid: index for index, (_, tid, _) in enumerate(entries)}
        for ref, tid in zip(rated, rated_tids, strict=True):
            ref.conversation, ref.thread_index = survivor, position[tid]

        old.merged_into = survivor.id
        old.codes, old.times, old.tids = "", array("q"), None
        old.modified_at = moment
        survivor.modified_at = moment
        derive_activity(self.data, survivor)
        file_conversation(self.data, survivor)
        return {
            "kind": "merge",
            "conversation_id": old.id,
            "merged_into": survivor.id,
            "time": iso(moment),
        }

    def _touch_customer(self) -> dict[str, Any] | None:
        cust = self.rng.choice(self.data.customers)
        moment = self.now()
        cust.updated_at = moment
        return {"kind": "touch_customer", "customer_id": cust.id, "time": iso(moment)}

    # -- edits ---------------------------------------------------------------------------------
    def check_edit(self, change: Any) -> None:
        """Refuse an edit that names no live record or a field ``edit`` cannot change."""
        if not isinstance(change, dict):
            raise ValueError("edit must be an object")
        if "conversation" in change:
            conv = self.data.by_id.get(change["conversation"])
            if conv is None or not conv.live:
                raise ValueError("edit: no live conversation with that id")
            unknown = set(change) - {"conversation", "assignee", "status"}
            assignee = change.get("assignee", 0) or 0
            if assignee and assignee not in self.data.user_by_id:
                raise ValueError("edit: assignee must be a user id or null")
            if change.get("status", "active") not in ("active", "pending", "closed"):
                raise ValueError("edit: status must be active, pending or closed")
        elif "customer" in change:
            if change["customer"] not in self.data.customer_by_id:
                raise ValueError("edit: no customer with that id")
            unknown = set(change) - {"customer", "address"}
            if not isinstance(change.get("address", True), bool):
                raise ValueError("edit: address must be true or false")
        else:
            raise ValueError("edit names a conversation or a customer")
        if unknown:
            raise ValueError(f"edit cannot change {sorted(unknown)}")

    def edit(self, change: dict[str, Any], request_number: int) -> dict[str, Any]:
        """Change one named record now, as a user would, and move its modification time.

        ``{"conversation": id, "assignee": user id or null, "status": ...}`` reassigns or
        closes a conversation (``closedByUser`` follows the status); ``{"customer": id,
        "address": bool}`` gives a customer an address or takes it away.
        """
        self.check_edit(change)
        moment = self.now()
        if "conversation" in change:
            conv = self.data.by_id[change["conversation"]]
            file_conversation(self.data, conv, -1)
            if "assignee" in change:
                conv.assignee_id = change["assignee"] or 0
            conv.status = change.get("status", conv.status)
            conv.modified_at = moment
            derive_activity(self.data, conv)
            file_conversation(self.data, conv)
        else:
            cust = self.data.customer_by_id[change["customer"]]
            if "address" in change:
                cust.variant = 0 if change["address"] else 2
            cust.updated_at = moment
        self.data.version += 1
        return {"kind": "edit", **change, "time": iso(moment), "request": request_number}

    # -- reports -------------------------------------------------------------------------------
    def history(self) -> dict[str, Any]:
        """What a test needs to tell which conversations existed for a whole sync.

        ``initial_ids`` were live when the simulator started; ``stable_ids`` are those of them
        never deleted or merged away since; ``created`` and ``removed`` name the request
        number after which each change happened.
        """
        removed = set(self.removed)
        return {
            "initial_ids": self.initial_ids,
            "stable_ids": [cid for cid in self.initial_ids if cid not in removed],
            "created": {str(cid): number for cid, number in sorted(self.created.items())},
            "removed": {str(cid): info for cid, info in sorted(self.removed.items())},
        }
