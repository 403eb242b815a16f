"""Turn stored records into the exact JSON shapes of the Help Scout API (see examples/*.json).

Links are absolute and built from ``base``, the server's own root URL, so a client can follow
them; everything a record does not store is derived here from its private generator.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from helpscout_sim import words
from helpscout_sim.dataset import (
    CUSTOMER_CODES,
    KIND_AGENT_STARTED,
    KIND_IMPORTED,
    LINEITEM_CODES,
    RATED_CODES,
    SALT_CONVERSATION,
    SALT_CUSTOMER,
    SALT_MISC,
    SALT_THREAD,
    THREAD_TYPES,
    Conversation,
    Customer,
    Dataset,
    RatingRef,
    rating_details,
    record_rng,
    thread_author,
)
from helpscout_sim.timeutil import friendly, iso, iso_no_zone

if TYPE_CHECKING:
    import random

Json = dict[str, Any]
RATING_CODES = {"great": 1, "okay": 2, "not_good": 3}
_TAG = re.compile(r"<[^>]+>")


def href(url: str) -> Json:
    """A HAL link object."""
    return {"href": url}


def strip_links(value: Any) -> Any:
    """A deep copy of ``value`` without any ``_links`` key (the shape used by /_sim/truth)."""
    if isinstance(value, dict):
        return {key: strip_links(item) for key, item in value.items() if key != "_links"}
    if isinstance(value, list):
        return [strip_links(item) for item in value]
    return value


# -- people ---------------------------------------------------------------------------------------


def _user_ref(data: Dataset, user_id: int, *, photo: bool) -> Json:
    user = data.user_by_id[user_id]
    ref: Json = {
        "id": user_id,
        "type": "user",
        "first": user["firstName"],
        "last": user["lastName"],
    }
    if photo:
        ref["photoUrl"] = user["photoUrl"]
    ref["email"] = user["email"]
    return ref


def _customer_ref(cust: Customer, *, with_type: bool, photo: bool = True) -> Json:
    ref: Json = {"id": cust.id}
    if with_type:
        ref["type"] = "customer"
    if cust.first or cust.last:
        ref["first"] = cust.first
        ref["last"] = cust.last
    if photo and cust.photo:
        ref["photoUrl"] = f"https://img.example.com/avatars/c{cust.id}.png"
    ref["email"] = cust.email
    return ref


def customer_display_name(cust: Customer) -> str:
    """Full name, or the e-mail address for anonymous visitors (as the ratings report shows)."""
    name = f"{cust.first} {cust.last}".strip()
    return name or cust.email


# -- threads --------------------------------------------------------------------------------------


def _thread_lines(data: Dataset, code: str, thread_id: int) -> list[str]:
    rng = record_rng(data.seed, SALT_MISC, thread_id)
    if code in CUSTOMER_CODES and code == "c":
        return rng.sample(words.CUSTOMER_LINES, 1 + rng.randrange(3))
    if code in "bhH":
        start = rng.randrange(len(words.CHAT_LINES))
        count = 6 + rng.randrange(10)
        return [words.CHAT_LINES[(start + i) % len(words.CHAT_LINES)] for i in range(count)]
    if code == "n":
        return [rng.choice(words.NOTE_LINES)]
    if code == "p":
        return ["Phone call: " + rng.choice(words.CUSTOMER_LINES)]
    return rng.sample(words.AGENT_LINES, 1 + rng.randrange(3))


def _thread_body(data: Dataset, code: str, thread_id: int) -> str:
    lines = _thread_lines(data, code, thread_id)
    if code in "bhH":
        return "<br />".join(
            f"<b>{'Visitor' if i % 2 == 0 else 'Agent'}:</b> {line}" for i, line in enumerate(lines)
        )
    return "".join(f"<p>{line}</p>" for line in lines)


def conversation_preview(data: Dataset, conv: Conversation) -> str:
    """Snippet of the newest thread that has a body."""
    for index in range(len(conv.codes) - 1, -1, -1):
        code = conv.codes[index]
        if code not in LINEITEM_CODES:
            text = _TAG.sub(" ", _thread_body(data, code, conv.thread_id(index)))
            return " ".join(text.split())[:100]
    return ""


def _attachments(rng: random.Random, base: str, conv: Conversation, thread_id: int) -> list[Json]:
    result: list[Json] = []
    for number in range(rng.choice((1, 1, 2))):
        filename, mime, image = rng.choice(words.ATTACHMENTS)
        att_id = 55_000_000_000 + thread_id * 4 + number
        item: Json = {"id": att_id, "filename": filename, "mimeType": mime}
        if image:
            item["width"] = rng.choice((640, 1280, 1920))
            item["height"] = rng.choice((480, 720, 1080))
        item["size"] = 1000 + rng.randrange(900_000)
        item["state"] = "virus" if rng.random() < 0.03 else "valid"
        root = f"{base}/v2/conversations/{conv.id}/attachments/{att_id}"
        item["_links"] = {
            "self": href(root),
            "data": href(f"{root}/data"),
            "web": href(f"{base}/web/file/{att_id}/{filename}"),
        }
        result.append(item)
    return result


def thread(
    data: Dataset, conv: Conversation, index: int, base: str, *, chat_chars: int | None = None
) -> Json:
    """One thread as ``/v2/conversations/{id}/threads`` returns it.

    ``chat_chars`` cuts chat bodies, as the API does for threads embedded in a conversation.
    """
    code = conv.codes[index]
    thread_id = conv.thread_id(index)
    moment = conv.times[index]
    rng = record_rng(data.seed, SALT_THREAD, thread_id)
    cust = data.customers[conv.customer_index]
    by_customer = code in CUSTOMER_CODES
    lineitem = code in LINEITEM_CODES
    author = 0 if by_customer else thread_author(data, conv, thread_id)

    if code == "c":
        status = "active"
    elif code == "x":
        status = "closed"
    elif code in "mM":
        status = rng.choice(("nochange", "pending", "active"))
    else:
        status = "nochange"
    state: str | None = "published"
    if not lineitem:
        draw = rng.random()
        if draw < 0.04:
            state = "hidden"
        elif draw < 0.07:
            state = None  # observed in the wild (C9): clients must accept a null state
        elif draw < 0.08:
            state = "review"

    out: Json = {"id": thread_id, "type": THREAD_TYPES[code], "status": status, "state": state}
    if lineitem:
        actor = data.user_by_id[author]
        if code == "x":
            action_type, text = "changed-ticket-status", f"{actor['firstName']} marked as Closed"
        elif code == "g":
            action_type, text = "merged-ticket", f"{actor['firstName']} merged a conversation"
        else:
            assignee = data.user_by_id.get(conv.assignee_id, actor)
            action_type = "changed-ticket-assignee"
            text = f"{actor['firstName']} assigned to {assignee['firstName']}"
        out["action"] = {"type": action_type, "text": text, "associatedEntities": {"user": author}}
        out["body"] = None
    else:
        out["action"] = {"type": "default", "associatedEntities": {}}
        body = _thread_body(data, code, thread_id)
        if chat_chars is not None and code in "bhH" and len(body) > chat_chars:
            body = body[:chat_chars] + "..."
        out["body"] = body

    if conv.kind & KIND_IMPORTED and by_customer:
        out["source"] = {"type": "api", "via": "customer"}
    elif code == "c":
        out["source"] = {"type": "email", "via": "customer"}
    elif code == "b":
        out["source"] = {"type": "beacon", "via": "customer"}
    elif code in "hH":
        out["source"] = {"type": "chat", "via": "user"}
    else:
        out["source"] = {"type": "web", "via": "user"}

    if not lineitem and code != "n":
        out["customer"] = _customer_ref(cust, with_type=False)
    if by_customer:
        out["createdBy"] = _customer_ref(cust, with_type=True)
    else:
        out["createdBy"] = _user_ref(data, author, photo=False)
    if conv.assignee_id:
        out["assignedTo"] = _user_ref(data, conv.assignee_id, photo=False)
    if not lineitem:
        out["savedReplyId"] = (
            234_000 + rng.randrange(40) if code in "mM" and rng.random() < 0.2 else 0
        )
    mailbox_email = data.mailboxes[conv.mailbox_index]["email"]
    out["to"] = [mailbox_email] if code == "c" else ([cust.email] if code in "mM" else [])
    conv_rng = record_rng(data.seed, SALT_CONVERSATION, conv.id)
    cc = _conversation_cc(conv_rng)
    out["cc"] = cc if code in "cmM" else []
    out["bcc"] = []
    out["createdAt"] = iso(moment)
    if code in "mM" and rng.random() < 0.7:
        out["openedAt"] = iso(min(data.data_end, moment + 60 + rng.randrange(DAY_SECONDS)))
    if code in RATED_CODES:
        value, comments, _ = rating_details(data.seed, thread_id, moment, data.data_end)
        out["rating"] = {"customerId": cust.id, "rating": value, "comments": comments}
    attachments = (
        _attachments(rng, base, conv, thread_id) if code in "cmM" and rng.random() < 0.15 else []
    )
    out["_embedded"] = {"attachments": attachments}

    links: Json = {}
    if by_customer:
        links["createdByCustomer"] = href(f"{base}/v2/customers/{cust.id}")
        links["customer"] = href(f"{base}/v2/customers/{cust.id}")
        if conv.assignee_id:
            links["assignedTo"] = href(f"{base}/v2/users/{conv.assignee_id}")
    else:
        links["createdByUser"] = href(f"{base}/v2/users/{author}")
        if "customer" in out:
            links["customer"] = href(f"{base}/v2/customers/{cust.id}")
    out["_links"] = links
    return out


DAY_SECONDS = 86400


def threads_newest_first(conv: Conversation) -> list[int]:
    """Thread indexes in the API's order: createdAt descending, then id descending."""
    order = sorted(range(len(conv.codes)), key=lambda i: (conv.times[i], conv.thread_id(i)))
    order.reverse()
    return order


# -- conversations --------------------------------------------------------------------------------


def _conversation_cc(conv_rng: random.Random) -> list[str]:
    # Drawn first from the conversation generator so threads can reuse it cheaply.
    if conv_rng.random() < 0.15:
        return [f"accounts{conv_rng.randrange(100)}@example.org"]
    return []


def conversation(
    data: Dataset,
    conv: Conversation,
    base: str,
    *,
    embed_threads: bool = False,
    embed_max: int = 25,
    chat_chars: int = 200,
) -> Json:
    """A conversation as the list and the single GET return it."""
    rng = record_rng(data.seed, SALT_CONVERSATION, conv.id)
    cc = _conversation_cc(rng)
    cust = data.customers[conv.customer_index]
    mailbox = data.mailboxes[conv.mailbox_index]
    agent_started = bool(conv.kind & KIND_AGENT_STARTED) or (
        bool(conv.codes) and conv.codes[0] not in CUSTOMER_CODES
    )
    out: Json = {
        "id": conv.id,
        "number": conv.number,
        "threads": len(conv.codes),
        "type": conv.ctype,
        "folderId": conv.folder_id,
        "status": conv.status,
        "state": "published",
        "subject": conv.subject,
        "preview": conversation_preview(data, conv),
        "mailboxId": mailbox["id"],
    }
    if conv.assignee_id:
        out["assignee"] = _user_ref(data, conv.assignee_id, photo=False)
    if agent_started:
        starter = thread_author(data, conv, conv.thread_id(0)) if conv.codes else conv.assignee_id
        starter = starter or int(data.users[0]["id"])
        out["createdBy"] = _user_ref(data, starter, photo=True)
    else:
        out["createdBy"] = _customer_ref(cust, with_type=True)
    out["createdAt"] = iso(conv.created_at)
    if conv.status == "closed":
        out["closedBy"] = conv.closed_by
        out["closedByUser"] = _user_ref(data, conv.closed_by, photo=True)
        out["closedAt"] = iso(conv.closed_at)
    out["userUpdatedAt"] = iso(conv.user_updated_at) if conv.user_updated_at else None
    if conv.cws_time:
        out["customerWaitingSince"] = {
            "time": iso(conv.cws_time),
            "friendly": friendly(conv.cws_time),
            "latestReplyFrom": conv.cws_from,
        }
    else:
        out["customerWaitingSince"] = {}
    if conv.kind & KIND_IMPORTED:
        out["source"] = {"type": "api", "via": "customer"}
    elif agent_started:
        out["source"] = {"type": "web", "via": "user"}
    elif conv.ctype == "chat":
        out["source"] = {"type": "beacon", "via": "customer"}
    else:
        out["source"] = {"type": "email", "via": "customer"}
    out["tags"] = [
        {"id": data.tags[i]["id"], "color": data.tags[i]["color"], "tag": data.tags[i]["name"]}
        for i in conv.tag_indexes
    ]
    out["cc"] = cc
    out["bcc"] = []
    out["primaryCustomer"] = _customer_ref(cust, with_type=True)

    if conv.status == "pending" and rng.random() < 0.3:
        snoozer = conv.assignee_id or int(data.users[0]["id"])
        until = conv.modified_at + (1 + rng.randrange(14)) * DAY_SECONDS
        on_reply = rng.random() < 0.7
        out["snooze"] = {
            "snoozedBy": snoozer,
            "snoozedUntil": iso(until),
            "unsnoozeOnCustomerReply": on_reply,
        }
        out["nextEvent"] = {
            "time": iso(until),
            "eventType": "snooze",
            "userId": snoozer,
            "cancelOnCustomerReply": on_reply,
        }
    out["customFields"] = _custom_fields(rng, data.fields_by_mailbox[conv.mailbox_index])

    if embed_threads:
        order = threads_newest_first(conv)[:embed_max]
        out["_embedded"] = {
            "threads": [thread(data, conv, i, base, chat_chars=chat_chars) for i in order]
        }
    links: Json = {
        "self": href(f"{base}/v2/conversations/{conv.id}"),
        "mailbox": href(f"{base}/v2/mailboxes/{mailbox['id']}"),
        "primaryCustomer": href(f"{base}/v2/customers/{cust.id}"),
    }
    if agent_started:
        links["createdByUser"] = href(f"{base}/v2/users/{out['createdBy']['id']}")
    else:
        links["createdByCustomer"] = href(f"{base}/v2/customers/{cust.id}")
    if conv.status == "closed":
        links["closedBy"] = href(f"{base}/v2/users/{conv.closed_by}")
    links["threads"] = href(f"{base}/v2/conversations/{conv.id}/threads")
    if conv.assignee_id:
        links["assignee"] = href(f"{base}/v2/users/{conv.assignee_id}")
    # The real web link points at Help Scout's app; here it stays on the simulator's own host.
    links["web"] = href(f"{base}/web/conversation/{conv.id}/{conv.number}")
    out["_links"] = links
    return out


def _custom_fields(rng: random.Random, fields: list[dict[str, Any]]) -> list[Json]:
    values: list[Json] = []
    for definition in fields:
        if rng.random() >= 0.5:
            continue
        if definition["type"] == "dropdown":
            option = rng.choice(definition["options"])
            value, text = str(option["id"]), option["label"]
        elif definition["type"] == "date":
            value = text = f"2025-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"
        else:
            value = text = f"AC-{rng.randrange(100000):05d}"
        values.append(
            {"id": definition["id"], "name": definition["name"], "value": value, "text": text}
        )
    return values


# -- customers ------------------------------------------------------------------------------------


def customer_property_definitions(seed: int) -> list[Json]:
    """Definitions behind customer ``properties``; dropdown option ids are UUID strings."""
    rng = record_rng(seed, SALT_MISC, 1)
    options = [
        {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "label": label}
        for label in ("Standard", "Plus", "Pro")
    ]
    return [
        {"type": "text", "slug": "external-id", "name": "External ID"},
        {"type": "number", "slug": "seats", "name": "Seats"},
        {"type": "dropdown", "slug": "plan", "name": "Plan", "options": options},
    ]


def customer(data: Dataset, cust: Customer, base: str) -> Json:
    """A customer as the list and the single GET return it."""
    rng = record_rng(data.seed, SALT_CUSTOMER, cust.id)
    org = data.organizations[cust.organization_index] if cust.organization_index >= 0 else None
    out: Json = {
        "id": cust.id,
        "firstName": cust.first,
        "lastName": cust.last,
        "gender": rng.choice(("Unknown", "unknown", "male", "female")),
        "jobTitle": rng.choice(words.JOB_TITLES),
        "location": "",
        "organization": org["name"] if org else "",
    }
    city = rng.choice(words.CITIES)
    out["location"] = f"{city[0]}, {city[1]}" if rng.random() < 0.7 else ""
    if org:
        out["organizationId"] = org["id"]
    out["photoType"] = rng.choice(("gravatar", "twitter")) if cust.photo else "unknown"
    out["photoUrl"] = f"https://img.example.com/avatars/c{cust.id}.png" if cust.photo else ""
    out["age"] = rng.choice(("", "", "30-39", "40-49"))
    out["background"] = rng.choice(("Prefers email over phone.", "", "Key account."))
    out["draft"] = False
    out["createdAt"] = iso(cust.created_at)
    out["updatedAt"] = iso(cust.updated_at)

    if cust.variant != 1:
        entry_id = 3_000_000 + (cust.id - 90_000_000) * 20
        embedded: Json = {}
        emails = [{"id": entry_id + 1, "value": cust.email, "type": "work"}]
        if rng.random() < 0.3:
            emails.append({"id": entry_id + 2, "value": f"alt.{cust.email}", "type": "home"})
        embedded["emails"] = emails
        embedded["phones"] = (
            [
                {
                    "id": entry_id + 4,
                    "value": f"+1-555-{rng.randrange(10000):04d}",
                    "type": rng.choice(("work", "home", "mobile", "other")),
                }
            ]
            if rng.random() < 0.6
            else []
        )
        embedded["chats"] = (
            [
                {
                    "id": entry_id + 6,
                    "value": f"{cust.first.lower() or 'visitor'}-chat",
                    "type": rng.choice(("skype", "gtalk", "xmpp", "other")),
                }
            ]
            if rng.random() < 0.2
            else []
        )
        embedded["social_profiles"] = (
            [
                {
                    "id": entry_id + 8,
                    "value": f"https://social.example.com/u{cust.id}",
                    "type": rng.choice(("twitter", "linkedin", "other")),
                }
            ]
            if rng.random() < 0.3
            else []
        )
        embedded["websites"] = (
            [{"id": entry_id + 10, "value": org["website"] if org else "https://example.org"}]
            if rng.random() < 0.4
            else []
        )
        embedded["properties"] = _customer_properties(rng, data.seed)
        if cust.variant == 0:
            embedded["address"] = {
                "city": city[0],
                "state": city[1],
                "postalCode": f"{rng.randrange(10000, 99999)}",
                "country": city[2],
                "lines": [f"{rng.randrange(1, 400)} Example Ave"]
                + (["Suite 5"] if rng.random() < 0.3 else []),
            }
        out["_embedded"] = embedded
    root = f"{base}/v2/customers/{cust.id}"
    out["_links"] = {
        "self": href(root),
        "address": href(f"{root}/address"),
        "chats": href(f"{root}/chats"),
        "emails": href(f"{root}/emails"),
        "phones": href(f"{root}/phones"),
        "social-profiles": href(f"{root}/social-profiles"),
        "websites": href(f"{root}/websites"),
    }
    return out


def _customer_properties(rng: random.Random, seed: int) -> list[Json]:
    definitions = customer_property_definitions(seed)
    result: list[Json] = []
    if rng.random() < 0.5:
        option = rng.choice(definitions[2]["options"])
        result.append(
            {
                "type": "dropdown",
                "slug": "plan",
                "name": "Plan",
                "value": option["id"],
                "text": option["label"],
                "source": {"name": "api"},
            }
        )
    if rng.random() < 0.4:
        seats = str(1 + rng.randrange(50))
        result.append(
            {
                "type": "number",
                "slug": "seats",
                "name": "Seats",
                "value": seats,
                "text": seats,
                "source": {"name": "api"},
            }
        )
    return result


# -- mailboxes, folders, users --------------------------------------------------------------------


def mailbox(data: Dataset, index: int, base: str) -> Json:
    """A mailbox (inbox)."""
    box = data.mailboxes[index]
    root = f"{base}/v2/mailboxes/{box['id']}"
    return {
        "id": box["id"],
        "name": box["name"],
        "slug": box["slug"],
        "email": box["email"],
        "createdAt": iso(box["createdAt"]),
        "updatedAt": iso(box["updatedAt"]),
        "_links": {
            "self": href(root),
            "folders": href(f"{root}/folders"),
            "fields": href(f"{root}/fields"),
        },
    }


def folder(data: Dataset, mailbox_index: int, item: dict[str, Any], base: str) -> Json:
    """A mailbox folder."""
    box_id = data.mailboxes[mailbox_index]["id"]
    return {
        "id": item["id"],
        "name": item["name"],
        "type": item["type"],
        "userId": item["userId"],
        "totalCount": item["totalCount"],
        "activeCount": item["activeCount"],
        "updatedAt": iso(item["updatedAt"]),
        "_links": {"self": href(f"{base}/v2/mailboxes/{box_id}/folders/{item['id']}")},
    }


def user(data: Dataset, user_id: int, base: str, *, me: bool = False) -> Json:
    """A user; ``me`` adds the ``companyId`` that only /v2/users/me carries."""
    item = data.user_by_id[user_id]
    out: Json = {}
    for key in ("id", "firstName", "lastName", "email", "role", "timezone", "photoUrl"):
        if key in item:
            out[key] = item[key]
    out["createdAt"] = iso(item["createdAt"])
    out["updatedAt"] = iso(item["updatedAt"])
    for key in ("type", "mention", "initials", "jobTitle", "phone", "alternateEmails"):
        if key in item:
            out[key] = item[key]
    if me:
        out["companyId"] = 77_001
    out["_links"] = {"self": href(f"{base}/v2/users/{user_id}")}
    return out


# -- ratings --------------------------------------------------------------------------------------


def rating_row(data: Dataset, ref: RatingRef, *, zone: bool = True) -> Json:
    """One row of the happiness ratings report (non-HAL, lower-case ``threadid``).

    ``zone=False`` writes its times without the trailing Z, as ``/v2/ratings/{id}`` does.
    """
    stamp = iso if zone else iso_no_zone
    conv = ref.conversation
    thread_id = conv.thread_id(ref.thread_index)
    moment = conv.times[ref.thread_index]
    value, comments, created = rating_details(data.seed, thread_id, moment, data.data_end)
    cust = data.customers[conv.customer_index]
    author = thread_author(data, conv, thread_id)
    agent = data.user_by_id[author]
    return {
        "number": conv.number,
        "id": conv.id,
        "type": conv.ctype,
        "threadid": thread_id,
        "threadCreatedAt": stamp(moment),
        "ratingId": RATING_CODES[value],
        "ratingCustomerId": cust.id,
        "ratingComments": comments,
        "ratingCreatedAt": stamp(created),
        "ratingCustomerName": customer_display_name(cust),
        "ratingUserId": author,
        "ratingUserName": f"{agent['firstName']} {agent['lastName']}",
    }


def rating(data: Dataset, ref: RatingRef, base: str) -> Json:
    """A satisfaction rating as ``/v2/ratings/{id}`` returns it (dates without a zone)."""
    conv = ref.conversation
    thread_id = conv.thread_id(ref.thread_index)
    value, comments, created = rating_details(
        data.seed, thread_id, conv.times[ref.thread_index], data.data_end
    )
    cust = data.customers[conv.customer_index]
    author = thread_author(data, conv, thread_id)
    agent = data.user_by_id[author]
    mailbox_id = data.mailboxes[conv.mailbox_index]["id"]
    customer_ref: Json = {
        "id": cust.id,
        "email": cust.email,
        "firstName": cust.first,
        "lastName": cust.last,
    }
    customer_ref["photoUrl"] = (
        f"https://img.example.com/avatars/c{cust.id}.png" if cust.photo else ""
    )
    return {
        "id": ref.rating_id,
        "customer": customer_ref,
        "threadId": thread_id,
        "conversationId": conv.id,
        "conversationNumber": conv.number,
        "mailboxId": mailbox_id,
        "rating": value,
        "user": {
            "id": author,
            "email": agent["email"],
            "firstName": agent["firstName"],
            "lastName": agent["lastName"],
        },
        "comments": comments,
        "createdAt": iso_no_zone(created),
        "modifiedAt": iso_no_zone(created),
        "_links": {
            "self": href(f"{base}/v2/ratings/{ref.rating_id}"),
            "conversation": href(f"{base}/v2/conversations/{conv.id}"),
            "mailbox": href(f"{base}/v2/mailboxes/{mailbox_id}"),
            "customer": href(f"{base}/v2/customers/{cust.id}"),
            "user": href(f"{base}/v2/users/{author}"),
        },
    }


# -- phase 2: the further read endpoints ----------------------------------------------------------

WEBHOOK_EVENTS = (
    "convo.created",
    "convo.status",
    "convo.tags",
    "convo.deleted",
    "convo.merged",
    "customer.created",
    "satisfaction.ratings",
    "tag.created",
)


def mailbox_field(definition: dict[str, Any], mailbox_id: int, base: str) -> Json:
    """A custom field definition of a mailbox."""
    return {
        "id": definition["id"],
        "name": definition["name"],
        "type": definition["type"],
        "order": definition["order"],
        "required": definition["required"],
        "options": [dict(option) for option in definition["options"]],
        "_links": {"self": href(f"{base}/v2/mailboxes/{mailbox_id}/fields/{definition['id']}")},
    }


def saved_replies(data: Dataset, mailbox_index: int) -> list[Json]:
    """Saved replies of a mailbox in their full form (``text``/``chatText``)."""
    rng = record_rng(data.seed, SALT_MISC, 1000 + mailbox_index)
    replies = []
    for number in range(4):
        text = rng.choice(words.AGENT_LINES)
        reply: Json = {
            "id": 234_000 + mailbox_index * 10 + number,
            "name": f"Reply {number + 1}: {text[:24].rstrip()}",
            "text": f"Hi there,<br /><br />{text}<br /><br />Thanks!",
            "chatText": text if rng.random() < 0.5 else None,
        }
        replies.append(reply)
    return replies


def saved_reply_summary(reply: Json) -> Json:
    """The list form: ``preview`` and, for replies with chat text, ``chatPreview``."""
    summary: Json = {
        "id": reply["id"],
        "name": reply["name"],
        "preview": _TAG.sub(" ", reply["text"]).strip()[:100],
    }
    if reply["chatText"]:
        summary["chatPreview"] = reply["chatText"][:100]
    return summary


def team(item: dict[str, Any], base: str) -> Json:
    """A team."""
    root = f"{base}/v2/teams/{item['id']}"
    out: Json = {
        key: item[key] for key in ("id", "name", "timezone", "photoUrl", "mention", "initials")
    }
    out["createdAt"] = iso(item["createdAt"])
    out["updatedAt"] = iso(item["updatedAt"])
    out["_links"] = {"self": href(root), "teamMembers": href(f"{root}/members")}
    return out


def tag(item: dict[str, Any]) -> Json:
    """A tag (the tags endpoint calls the label ``name``; conversations call it ``tag``)."""
    out: Json = {key: item[key] for key in ("id", "slug", "name", "color")}
    out["createdAt"] = iso(item["createdAt"])
    if "updatedAt" in item:
        out["updatedAt"] = iso(item["updatedAt"])
    out["ticketCount"] = item["ticketCount"]
    return out


def workflows(data: Dataset) -> list[Json]:
    """Workflows of every mailbox, without links."""
    rng = record_rng(data.seed, SALT_MISC, 2000)
    names = (
        "Tag invoices from billing senders",
        "Close stale pending",
        "Route VIPs",
        "Auto-reply after hours",
    )
    result = []
    for index, box in enumerate(data.mailboxes):
        for order in range(1, 4):
            created = int(box["createdAt"]) + rng.randrange(300 * DAY_SECONDS)
            result.append(
                {
                    "id": 990_000 + index * 10 + order,
                    "mailboxId": box["id"],
                    "type": "automatic" if order != 2 else "manual",
                    "status": rng.choice(("active", "active", "inactive", "invalid")),
                    "order": order,
                    "name": names[(index + order) % len(names)],
                    "createdAt": iso(created),
                    "modifiedAt": iso(
                        min(data.data_end, created + rng.randrange(200 * DAY_SECONDS))
                    ),
                }
            )
    return result


def webhooks(data: Dataset) -> list[Json]:
    """Webhooks of the account, including the ``secret`` the API returns."""
    rng = record_rng(data.seed, SALT_MISC, 3000)
    result = []
    for number in range(2):
        result.append(
            {
                "id": 12_000 + number + 1,
                "url": f"https://hooks.example.net/helpscout/{number}",
                "state": "enabled" if number == 0 else "disabled",
                "events": sorted(rng.sample(WEBHOOK_EVENTS, 3)),
                "notification": number == 1,
                "payloadVersion": "V2",
                "label": ("warehouse change feed", "legacy notifier")[number],
                "mailboxIds": [data.mailboxes[0]["id"]],
                "secret": f"{rng.getrandbits(80):020x}",
            }
        )
    return result


def organization(data: Dataset, index: int, base: str, *, counts: bool = False) -> Json:
    """An organization; ``counts`` adds what ``includeCounts=true`` adds."""
    item = data.organizations[index]
    out: Json = dict(item)
    out["domains"] = list(item["domains"])
    out["phones"] = list(item["phones"])
    if counts:
        members = {c.id for c in data.customers if c.organization_index == index}
        out["customerCount"] = len(members)
        out["conversationCount"] = sum(
            1
            for conv in data.live_conversations()
            if data.customers[conv.customer_index].id in members
        )
    out["_links"] = {"self": href(f"{base}/v2/organizations/{item['id']}")}
    return out
