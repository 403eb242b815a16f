"""The seeded records of one simulated account, kept compact so 50,000 conversations stay cheap.

Only what filtering, sorting and consistency need is stored (ids, times, statuses and one
character per thread); everything else - bodies, addresses, attachments - is derived on demand
from a per-record random generator, so it is the same every time it is rendered.
"""

from __future__ import annotations

import bisect
import random
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from helpscout_sim import words
from helpscout_sim.timeutil import parse_strict

if TYPE_CHECKING:
    from helpscout_sim.config import SimulatorConfig

CONVERSATION_ID_BASE = 2_718_000_000  # above 2**31 on purpose: ids are int64 in the API
THREAD_ID_BASE = 8_100_000_000
CUSTOMER_ID_BASE = 90_010_000
USER_ID_BASE = 520_000
MAILBOX_ID_BASE = 310_000
FOLDER_ID_BASE = 7_700_000
TAG_ID_BASE = 81_000
TEAM_ID_BASE = 610_000
ORGANIZATION_ID_BASE = 4_400_000
RATING_ID_BASE = 700_000
COMPANY_ID = 77_001

# Salts keep the per-record generators of different record kinds apart.
SALT_CONVERSATION = 1
SALT_THREAD = 2
SALT_RATING = 3
SALT_CUSTOMER = 4
SALT_MISC = 5

# One character per thread. Upper case marks a rated thread.
CUSTOMER_CODES = frozenset("cb")
LINEITEM_CODES = frozenset("lxg")
RATED_CODES = frozenset("MH")
THREAD_TYPES = {
    "c": "customer",
    "m": "message",
    "M": "message",
    "n": "note",
    "b": "beaconchat",
    "h": "chat",
    "H": "chat",
    "p": "phone",
    "l": "lineitem",
    "x": "lineitem",
    "g": "lineitem",
}

# Conversation "kind" flags that change how its fields are derived.
KIND_AGENT_STARTED = 1
KIND_IMPORTED = 2  # created through the API: no user activity, empty customerWaitingSince (C10)

HOUR = 3600
DAY = 86400


def record_rng(seed: int, salt: int, record_id: int) -> random.Random:
    """A generator private to one record, reproducible from the seed alone."""
    return random.Random(seed * 1_000_003_000_000_000 + salt * 100_000_000_000_000 + record_id)


class Conversation:
    """The stored core of a conversation; the rest of its payload is derived when rendered."""

    __slots__ = (
        "assignee_id",
        "closed_at",
        "closed_by",
        "codes",
        "created_at",
        "ctype",
        "customer_index",
        "cws_from",
        "cws_time",
        "deleted",
        "folder_id",
        "id",
        "kind",
        "mailbox_index",
        "merged_into",
        "modified_at",
        "number",
        "status",
        "subject",
        "tag_indexes",
        "tbase",
        "tids",
        "times",
        "user_updated_at",
    )

    def __init__(self) -> None:
        self.assignee_id: int = 0
        self.closed_at: int = 0
        self.closed_by: int = 0
        self.codes: str = ""
        self.created_at: int = 0
        self.ctype: str = "email"
        self.customer_index: int = 0
        self.cws_from: str = ""
        self.cws_time: int = 0
        self.deleted: bool = False
        self.folder_id: int = 0
        self.id: int = 0
        self.kind: int = 0
        self.mailbox_index: int = 0
        self.merged_into: int = 0
        self.modified_at: int = 0
        self.number: int = 0
        self.status: str = "active"
        self.subject: str = ""
        self.tag_indexes: tuple[int, ...] = ()
        self.tbase: int = 0
        self.tids: array[int] | None = None
        self.times: array[int] = array("q")
        self.user_updated_at: int = 0

    @property
    def live(self) -> bool:
        """Whether the API still lists and serves this conversation."""
        return not self.deleted and not self.merged_into

    def thread_id(self, index: int) -> int:
        """Id of the thread at ``index`` (oldest first)."""
        return self.tids[index] if self.tids is not None else self.tbase + index


class Customer:
    """The stored core of a customer."""

    __slots__ = (
        "created_at",
        "email",
        "first",
        "id",
        "last",
        "organization_index",
        "photo",
        "updated_at",
        "variant",
    )

    def __init__(self) -> None:
        self.created_at: int = 0
        self.email: str = ""
        self.first: str = ""
        self.id: int = 0
        self.last: str = ""
        self.organization_index: int = -1
        self.photo: bool = False
        self.updated_at: int = 0
        # 0: every embedded entry; 1: no _embedded at all; 2: _embedded without address (C8)
        self.variant: int = 0


@dataclass
class RatingRef:
    """One rated thread: enough to rebuild its report row and its /v2/ratings record."""

    rating_id: int
    conversation: Conversation
    thread_index: int
    created_at: int


@dataclass
class Dataset:
    """All records of the account plus the indexes list requests are answered from."""

    seed: int
    data_end: int
    #: Give a conversation no user touched its creation time as `userUpdatedAt` (see config).
    user_updated_always: bool = False
    users: list[dict[str, Any]] = field(default_factory=list)
    mailboxes: list[dict[str, Any]] = field(default_factory=list)
    folders: list[list[dict[str, Any]]] = field(default_factory=list)
    mine_folder: dict[tuple[int, int], int] = field(default_factory=dict)
    fields_by_mailbox: list[list[dict[str, Any]]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    team_members: list[list[int]] = field(default_factory=list)
    organizations: list[dict[str, Any]] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    by_id: dict[int, Conversation] = field(default_factory=dict)
    customer_by_id: dict[int, Customer] = field(default_factory=dict)
    user_by_id: dict[int, dict[str, Any]] = field(default_factory=dict)
    ratings: list[RatingRef] = field(default_factory=list)
    rating_by_id: dict[int, RatingRef] = field(default_factory=dict)
    version: int = 0
    _modified_keys: list[tuple[int, int]] = field(default_factory=list)
    _modified_convs: list[Conversation] = field(default_factory=list)
    _created_keys: list[tuple[int, int]] = field(default_factory=list)
    _created_convs: list[Conversation] = field(default_factory=list)
    _customer_keys: list[tuple[int, int]] = field(default_factory=list)
    _customers_by_updated: list[Customer] = field(default_factory=list)
    _indexed_version: int = -1

    # -- indexes -------------------------------------------------------------------------------
    def reindex(self) -> None:
        """Rebuild the sorted views after any change to the data (bump ``version`` first)."""
        live = [conv for conv in self.conversations if conv.live]
        by_modified = sorted(live, key=lambda conv: (conv.modified_at, conv.id))
        self._modified_keys = [(conv.modified_at, conv.id) for conv in by_modified]
        self._modified_convs = by_modified
        by_created = sorted(live, key=lambda conv: (conv.created_at, conv.id))
        self._created_keys = [(conv.created_at, conv.id) for conv in by_created]
        self._created_convs = by_created
        customers = sorted(self.customers, key=lambda cust: (cust.updated_at, cust.id))
        self._customer_keys = [(cust.updated_at, cust.id) for cust in customers]
        self._customers_by_updated = customers
        self._indexed_version = self.version

    def _ensure_index(self) -> None:
        if self._indexed_version != self.version:
            self.reindex()

    def live_conversations(self) -> list[Conversation]:
        """Every listed conversation, oldest created first."""
        self._ensure_index()
        return self._created_convs

    def conversations_in(
        self, field_name: str, low: float | None, high: float | None
    ) -> list[Conversation]:
        """Live conversations whose createdAt or hidden modifiedAt is in [low, high]."""
        self._ensure_index()
        if field_name == "modifiedAt":
            keys, convs = self._modified_keys, self._modified_convs
        else:
            keys, convs = self._created_keys, self._created_convs
        return _slice(keys, convs, low, high)

    def customers_in(self, low: float | None, high: float | None) -> list[Customer]:
        """Customers whose updatedAt is in [low, high]."""
        self._ensure_index()
        return _slice(self._customer_keys, self._customers_by_updated, low, high)


def _slice(keys: list[tuple[int, int]], items: list, low: float | None, high: float | None) -> list:
    start = 0 if low is None else bisect.bisect_left(keys, (low, -1))
    stop = len(keys) if high is None else bisect.bisect_right(keys, (high, 1 << 62))
    return items[start:stop]


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


def _name_email(rng: random.Random, index: int) -> tuple[str, str, str]:
    first = rng.choice(words.FIRST_NAMES)
    last = rng.choice(words.LAST_NAMES)
    email = f"{first.lower()}.{last.lower()}{index}@{rng.choice(words.DOMAINS)}"
    return first, last, email


def build_dataset(config: SimulatorConfig) -> Dataset:
    """Generate every record of the account from ``config.seed``."""
    data_end = parse_strict(config.data_end)
    if data_end is None:
        raise ValueError("data_end must look like 2025-06-01T00:00:00Z")
    data = Dataset(
        seed=config.seed, data_end=data_end, user_updated_always=config.user_updated_always
    )
    rng = random.Random(config.seed)
    start = data_end - config.history_days * DAY
    account_start = start - 400 * DAY

    _build_users(data, rng, config, account_start)
    _build_mailboxes(data, rng, config, account_start)
    _build_tags(data, rng, config, account_start)
    _build_teams(data, rng, config, account_start)
    _build_organizations(data, rng, config)
    _build_customers(data, rng, config, start)
    _build_conversations(data, rng, config, start)
    _merge_and_delete(data, rng, config)
    _finish_conversations(data)
    data.reindex()
    return data


def _build_users(data: Dataset, rng: random.Random, config: SimulatorConfig, t0: int) -> None:
    for index in range(config.users):
        first, last, _ = _name_email(rng, index)
        created = t0 + rng.randrange(300 * DAY)
        user: dict[str, Any] = {
            "id": USER_ID_BASE + 1 + index,
            "firstName": first,
            "lastName": last,
            "email": f"{first.lower()}.agent{index}@acme-example.com",
            "role": "owner" if index == 0 else ("admin" if index % 4 == 1 else "user"),
            "timezone": rng.choice(words.TIMEZONES),
            "createdAt": created,
            "updatedAt": min(data.data_end, created + rng.randrange(700 * DAY)),
            "type": "user",
            "mention": f"{first.lower()}{index}",
            "initials": f"{first[0]}{last[0]}",
            "alternateEmails": [f"{first.lower()[0]}.{last.lower()}{index}@example.com"]
            if rng.random() < 0.3
            else [],
        }
        user["photoUrl"] = f"https://img.example.com/avatars/u{user['id']}.png"
        # Invited users who never finished their profile have no title or phone.
        if index == 0 or rng.random() < 0.8:
            user["jobTitle"] = rng.choice(("Support Lead", "Support Agent", "Success Manager"))
            user["phone"] = f"+1-555-01{index % 100:02d}"
        data.users.append(user)
        data.user_by_id[int(user["id"])] = user


def _build_mailboxes(data: Dataset, rng: random.Random, config: SimulatorConfig, t0: int) -> None:
    folder_id = FOLDER_ID_BASE
    field_id = 6600
    option_id = 14000
    for index in range(config.mailboxes):
        created = t0 + rng.randrange(100 * DAY)
        mailbox_id = MAILBOX_ID_BASE + 45 + index * 7
        data.mailboxes.append(
            {
                "id": mailbox_id,
                "name": ("Acme Support", "Billing", "Sales", "Partners", "Returns")[index % 5]
                + ("" if index < 5 else f" {index}"),
                "slug": f"{rng.getrandbits(64):016x}",
                "email": f"inbox{index}@acme-example.com",
                "createdAt": created,
                "updatedAt": created + rng.randrange(200 * DAY),
            }
        )
        folders: list[dict[str, Any]] = []
        standard = [
            ("Unassigned", "open"),
            ("Needs Attention", "needsattention"),
            ("Drafts", "drafts"),
            ("Assigned", "assigned"),
            ("Closed", "closed"),
            ("Spam", "spam"),
        ]
        for name, ftype in standard:
            folder_id += 1 + rng.randrange(3)
            folders.append({"id": folder_id, "name": name, "type": ftype, "userId": 0})
        for user in data.users:
            folder_id += 1
            folders.append(
                {"id": folder_id, "name": "Mine", "type": "mytickets", "userId": user["id"]}
            )
            data.mine_folder[(index, int(user["id"]))] = folder_id
        for number in range(config.custom_folders_per_mailbox):
            folder_id += 1
            folders.append(
                {
                    "id": folder_id,
                    "name": f"Follow-ups {number + 1}",
                    "type": "team" if number % 2 else "custom",
                    "userId": 0,
                }
            )
        for folder in folders:
            folder["totalCount"] = 0
            folder["activeCount"] = 0
            folder["updatedAt"] = created
        data.folders.append(folders)

        fields: list[dict[str, Any]] = []
        field_id += 1
        options = []
        for order, label in enumerate(("Standard", "Plus", "Pro"), start=1):
            option_id += 1
            options.append({"id": option_id, "order": order, "label": label})
        fields.append(
            {
                "id": field_id,
                "name": "Plan",
                "type": "dropdown",
                "order": 1,
                "required": False,
                "options": options,
            }
        )
        field_id += 1
        fields.append(
            {
                "id": field_id,
                "name": "Account ID",
                "type": "singleline",
                "order": 2,
                "required": False,
                "options": [],
            }
        )
        field_id += 1
        fields.append(
            {
                "id": field_id,
                "name": "Renewal",
                "type": "date",
                "order": 3,
                "required": False,
                "options": [],
            }
        )
        data.fields_by_mailbox.append(fields)


def _build_tags(data: Dataset, rng: random.Random, config: SimulatorConfig, t0: int) -> None:
    for index in range(config.tags):
        base = words.TAG_NAMES[index % len(words.TAG_NAMES)]
        name = base if index < len(words.TAG_NAMES) else f"{base}-{index}"
        created = t0 + rng.randrange(300 * DAY)
        tag: dict[str, Any] = {
            "id": TAG_ID_BASE + 200 + index * 3,
            "slug": name,
            "name": name,
            "color": rng.choice(words.TAG_COLORS),
            "createdAt": created,
            "ticketCount": 0,
        }
        if rng.random() < 0.6:  # updatedAt is omitted when a tag was never edited
            tag["updatedAt"] = created + rng.randrange(200 * DAY)
        data.tags.append(tag)


def _build_teams(data: Dataset, rng: random.Random, config: SimulatorConfig, t0: int) -> None:
    names = ("Billing Squad", "Tier 2", "Night Shift", "Onboarding", "VIP Desk")
    for index in range(config.teams):
        name = names[index % len(names)] + ("" if index < len(names) else f" {index}")
        created = t0 + rng.randrange(300 * DAY)
        data.teams.append(
            {
                "id": TEAM_ID_BASE + 2 + index,
                "name": name,
                "timezone": rng.choice(words.TIMEZONES),
                "photoUrl": f"https://img.example.com/teams/t{index}.png",
                "mention": name.lower().replace(" ", ""),
                "initials": "".join(part[0] for part in name.split()[:2]).upper(),
                "createdAt": created,
                "updatedAt": created + rng.randrange(300 * DAY),
            }
        )
        members = [int(u["id"]) for u in data.users if rng.random() < 0.5]
        data.team_members.append(members)


def _build_organizations(data: Dataset, rng: random.Random, config: SimulatorConfig) -> None:
    for index in range(config.organizations):
        name = words.COMPANIES[index % len(words.COMPANIES)]
        if index >= len(words.COMPANIES):
            name = f"{name} {index}"
        domain = f"org{index}.example.org"
        data.organizations.append(
            {
                "id": ORGANIZATION_ID_BASE + 551 + index,
                "name": name,
                "website": f"https://{domain}",
                "description": rng.choice(("Wholesale distributor", "Retail chain", "")),
                "location": rng.choice(("US", "FR", "GB", "AT", "CA")),
                "logoUrl": f"https://img.example.com/logos/o{index}.png",
                "note": rng.choice(("Annual contract renews in June", "")),
                "domains": [domain],
                "phones": [f"+1-555-02{index % 100:02d}"] if rng.random() < 0.7 else [],
                "brandColor": f"#{rng.getrandbits(24):06X}",
            }
        )


def _build_customers(data: Dataset, rng: random.Random, config: SimulatorConfig, t0: int) -> None:
    for index in range(config.customers):
        cust = Customer()
        cust.id = CUSTOMER_ID_BASE + 1 + index * 3 + rng.randrange(3)
        first, last, email = _name_email(rng, index)
        if rng.random() < 0.05:  # anonymous chat visitors have no name
            first = last = ""
            email = f"visitor-{index}@example.net"
        cust.first, cust.last, cust.email = first, last, email
        cust.created_at = t0 - rng.randrange(200 * DAY) + rng.randrange(300 * DAY)
        cust.updated_at = min(data.data_end, cust.created_at + rng.randrange(200 * DAY))
        if data.organizations and rng.random() < 0.5:
            cust.organization_index = rng.randrange(len(data.organizations))
        draw = rng.random()
        cust.variant = 1 if draw < 0.1 else (2 if draw < 0.2 else 0)
        cust.photo = rng.random() < 0.3
        data.customers.append(cust)
        data.customer_by_id[cust.id] = cust


def _thread_plan(rng: random.Random, conv: Conversation, count: int, end: int) -> None:
    """Choose the thread codes and times of a conversation and derive its activity fields."""
    codes: list[str] = []
    imported = conv.kind & KIND_IMPORTED
    if count == 0:
        conv.codes, conv.times = "", array("q")
        return
    if imported:
        codes = ["c"] * count
    elif conv.ctype == "chat":
        codes.append("b" if rng.random() < 0.7 else "h")
    elif conv.ctype == "phone":
        codes.append("p")
    else:
        codes.append("m" if conv.kind & KIND_AGENT_STARTED else "c")
    closing = conv.status == "closed" and not imported
    body_slots = count - len(codes) - (1 if closing else 0)
    if conv.assignee_id and body_slots > 1 and not imported and rng.random() < 0.5:
        codes.append("l")
        body_slots -= 1
    customer_side = "b" if conv.ctype == "chat" else "c"
    agent_side = "h" if conv.ctype == "chat" else "m"
    turn_agent = codes[-1] in CUSTOMER_CODES
    for _ in range(max(0, body_slots)):
        draw = rng.random()
        if draw < 0.1:
            codes.append("n")
            continue
        if turn_agent:
            codes.append(agent_side)
        else:
            codes.append(customer_side)
        turn_agent = not turn_agent
    if closing and len(codes) < count:
        codes.append("x")
    if count == 1 and conv.status == "closed" and not imported and rng.random() < 0.3:
        codes = ["x"]  # a conversation whose only thread is a body-less line item (C9)
    if conv.status != "spam":
        codes = [code.upper() if code in "mh" and rng.random() < 0.15 else code for code in codes]

    times = array("q")
    moment = conv.created_at
    for position in range(len(codes)):
        if position:
            moment = min(end, moment + int(rng.expovariate(1 / (8 * HOUR))) + 30)
        times.append(moment)
    conv.codes = "".join(codes)
    conv.times = times


def _build_conversations(
    data: Dataset, rng: random.Random, config: SimulatorConfig, start: int
) -> None:
    span = data.data_end - start
    created_times = sorted(start + rng.randrange(span) for _ in range(config.conversations))
    long_positions = set(
        rng.sample(
            range(config.conversations), min(config.long_thread_conversations, config.conversations)
        )
    )
    conv_id = CONVERSATION_ID_BASE + 2000
    tcounter = THREAD_ID_BASE + 200_000
    users = [int(u["id"]) for u in data.users]
    for position, created in enumerate(created_times):
        conv = Conversation()
        conv_id += 1 + rng.randrange(40)
        conv.id = conv_id
        conv.number = 1000 + position
        conv.created_at = created
        conv.ctype = rng.choices(("email", "chat", "phone"), (70, 18, 12))[0]
        conv.status = rng.choices(("active", "pending", "closed", "spam"), (22, 12, 60, 6))[0]
        conv.mailbox_index = rng.randrange(len(data.mailboxes))
        conv.customer_index = rng.randrange(len(data.customers))
        conv.subject = rng.choice(words.SUBJECTS)
        if "{n}" in conv.subject:
            conv.subject = conv.subject.replace("{n}", str(10000 + position))
        if conv.status != "spam" and rng.random() < 0.75:
            conv.assignee_id = rng.choice(users)
        if conv.ctype == "email" and rng.random() < 0.12:
            conv.kind |= KIND_AGENT_STARTED
        elif conv.ctype == "email" and conv.status in ("active", "pending") and rng.random() < 0.12:
            conv.kind |= KIND_IMPORTED
        tag_count = rng.choices((0, 1, 2, 3), (40, 35, 18, 7))[0]
        conv.tag_indexes = tuple(
            sorted(rng.sample(range(len(data.tags)), min(tag_count, len(data.tags))))
        )

        if position in long_positions:
            count = 30
            conv.kind &= ~KIND_IMPORTED
        elif rng.random() < 0.01:
            count = 0  # a conversation whose threads answer has no _embedded at all (C9)
        elif conv.kind & KIND_IMPORTED:
            count = 1 + rng.randrange(2)
        else:
            count = min(24, 1 + int(rng.expovariate(1 / 3.5)) + (conv.status == "closed"))
        _thread_plan(rng, conv, count, data.data_end)
        conv.tbase = tcounter
        tcounter += len(conv.codes) + rng.randrange(6)

        last = conv.times[-1] if conv.times else created
        if rng.random() < 0.12:  # re-tagged or moved long after the last thread (C10)
            last = min(data.data_end, last + rng.randrange(1, 30 * DAY))
        conv.modified_at = last
        data.conversations.append(conv)
        data.by_id[conv.id] = conv


def _merge_and_delete(data: Dataset, rng: random.Random, config: SimulatorConfig) -> None:
    """Delete some conversations and merge others into a survivor, as an account's history does."""
    candidates = [conv for conv in data.conversations if len(conv.codes) < 25]
    rng.shuffle(candidates)
    total = len(data.conversations)
    deleted = candidates[: int(total * config.deleted_fraction)]
    merged = candidates[len(deleted) : len(deleted) + int(total * config.merged_fraction)]
    for conv in deleted:
        conv.deleted = True
    merged_ids = {conv.id for conv in merged}
    survivors = [
        conv for conv in data.conversations if not conv.deleted and conv.id not in merged_ids
    ]
    for old in merged:
        survivor = rng.choice(survivors)
        moment = min(data.data_end, max(old.modified_at, survivor.modified_at) + HOUR)
        entries = [
            (survivor.times[i], survivor.thread_id(i), survivor.codes[i])
            for i in range(len(survivor.codes))
        ]
        entries += [(old.times[i], old.thread_id(i), old.codes[i]) for i in range(len(old.codes))]
        merge_tid = max([survivor.tbase, old.tbase] + [tid for _, tid, _ in entries]) + 1
        entries.append((moment, merge_tid, "g"))
        entries.sort()
        survivor.codes = "".join(code for _, _, code in entries)
        survivor.times = array("q", [moment_ for moment_, _, _ in entries])
        survivor.tids = array("q", [tid for _, tid, _ in entries])
        survivor.modified_at = max(survivor.modified_at, moment)
        old.merged_into = survivor.id
        old.codes, old.times, old.tids = "", array("q"), None
        old.modified_at = moment


def thread_author(data: Dataset, conv: Conversation, thread_id: int) -> int:
    """User id behind an agent thread: the assignee, else a colleague chosen by thread id."""
    if conv.assignee_id:
        return conv.assignee_id
    return int(data.users[(thread_id * 7919) % len(data.users)]["id"])


def rating_details(seed: int, thread_id: int, thread_time: int, end: int) -> tuple[str, str, int]:
    """The (rating, comments, createdAt) of a rated thread, shared by thread and report."""
    rng = record_rng(seed, SALT_RATING, thread_id)
    value = rng.choices(("great", "okay", "not_good"), (65, 20, 15))[0]
    comments = rng.choice(words.RATING_COMMENTS)
    return value, comments, min(end, thread_time + 600 + rng.randrange(2 * DAY))


def derive_activity(data: Dataset, conv: Conversation) -> None:
    """Set the fields that follow from the threads: user and customer activity, closing."""
    imported = conv.kind & KIND_IMPORTED
    conv.user_updated_at = 0
    conv.cws_time, conv.cws_from = 0, ""
    conv.closed_at, conv.closed_by = 0, 0
    latest_reply_from = ""
    for index, code in enumerate(conv.codes):
        moment = conv.times[index]
        if code in CUSTOMER_CODES:
            conv.cws_time = moment
            latest_reply_from = "customer"
        else:
            conv.user_updated_at = moment
            if code not in "nlg":
                latest_reply_from = "user"
        if code == "x":
            conv.closed_at = moment
            conv.closed_by = thread_author(data, conv, conv.thread_id(index))
    if conv.status == "closed" and not conv.closed_at:
        conv.closed_at = conv.times[-1] if conv.times else conv.created_at
        conv.closed_by = conv.assignee_id or int(data.users[0]["id"])
    if imported:
        conv.cws_time = 0  # imported conversations carry an empty customerWaitingSince
    if data.user_updated_always and not conv.user_updated_at:
        conv.user_updated_at = conv.created_at
    conv.cws_from = latest_reply_from if conv.cws_time else ""


def file_conversation(data: Dataset, conv: Conversation, change: int = 1) -> None:
    """Put a live conversation in its folder and count it there and on its tags (-1 undoes)."""
    mailbox_folders = data.folders[conv.mailbox_index]
    by_type = {str(folder["type"]): folder for folder in mailbox_folders}
    if change > 0:
        if conv.status == "closed":
            folder = by_type["closed"]
        elif conv.status == "spam":
            folder = by_type["spam"]
        elif conv.assignee_id:
            folder_id = data.mine_folder[(conv.mailbox_index, conv.assignee_id)]
            folder = next(f for f in mailbox_folders if f["id"] == folder_id)
        else:
            folder = by_type["open"]
        conv.folder_id = int(folder["id"])
    else:
        folder = next(f for f in mailbox_folders if f["id"] == conv.folder_id)
    folder["totalCount"] = int(folder["totalCount"]) + change
    if conv.status == "active":
        folder["activeCount"] = int(folder["activeCount"]) + change
    folder["updatedAt"] = max(int(folder["updatedAt"]), conv.modified_at)
    for tag_index in conv.tag_indexes:
        data.tags[tag_index]["ticketCount"] = int(data.tags[tag_index]["ticketCount"]) + change


def _finish_conversations(data: Dataset) -> None:
    """Derive activity fields, folders, counts and the ratings list from the thread plans."""
    rating_id = RATING_ID_BASE + 100
    for tag in data.tags:
        tag["ticketCount"] = 0
    for conv in data.conversations:
        if not conv.live:
            continue
        derive_activity(data, conv)
        for index, code in enumerate(conv.codes):
            if code in RATED_CODES:
                tid = conv.thread_id(index)
                _, _, rated_at = rating_details(data.seed, tid, conv.times[index], data.data_end)
                rating_id += 1
                ref = RatingRef(rating_id, conv, index, rated_at)
                data.ratings.append(ref)
                data.rating_by_id[rating_id] = ref
                conv.modified_at = max(conv.modified_at, rated_at)
        file_conversation(data, conv)
    data.ratings.sort(key=lambda ref: (ref.created_at, ref.rating_id))
