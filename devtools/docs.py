"""Regenerate the README's generated tables: settings from `--about`, streams from the catalog.

`python -m devtools.docs` rewrites README.md in place; `--check` only says whether it would
change anything, which a test uses so the README cannot drift from the tap.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tap_helpscout.tap import STREAM_TYPES

REPO_ROOT = Path(__file__).resolve().parents[1]
README = REPO_ROOT / "README.md"
TAP = Path(sys.executable).with_name("tap-helpscout")
DUMMY_CONFIG = {"client_id": "x", "client_secret": "x", "start_date": "2020-01-01T00:00:00Z"}

# What each stream holds, in a user's words; the other columns come from the catalog.
STREAM_DESCRIPTIONS = {
    "conversations": "Conversations (tickets, chats, calls) of every status",
    "conversation_threads": "Messages, notes and line items of each conversation read",
    "customers": "Customers with their e-mails, phones, chats, profiles, websites, address",
    "mailboxes": "Mailboxes (inboxes)",
    "mailbox_folders": "Folders of each mailbox, with conversation counts",
    "mailbox_fields": "Custom fields of each mailbox, with the options of dropdowns",
    "saved_replies": "Saved replies of each mailbox (preview; full text if `saved_reply_text`)",
    "users": "Users (agents), invited ones included",
    "teams": "Teams",
    "team_members": "Members of each team, with their user fields",
    "tags": "Tags, with the number of conversations tagged",
    "workflows": "Manual and automatic workflows of each mailbox",
    "webhooks": "Webhooks: their URL, events and mailboxes (never their secret)",
    "organizations": "Organizations (companies) customers belong to",
    "customer_properties": "Definitions of the customer properties, with dropdown options",
    "happiness_ratings_report": "Satisfaction ratings from the Reports API (Plus and Pro)",
    "conversation_ids": "Ids of the conversations that exist now (opt-in, for deletions)",
}


# Where the catalog's replication method alone would mislead.
REPLICATION_NOTES = {
    "conversation_threads": " of each conversation read (upserted, never replaced)",
}


def settings_table() -> str:
    """The settings section that `tap-helpscout --about --format=markdown` prints."""
    about = subprocess.run(
        [str(TAP), "--about", "--format=markdown"], capture_output=True, text=True, check=True
    ).stdout
    table = about[about.index("| Setting |") :]
    return table[: table.index("\n\n")].strip()


def streams_table() -> str:
    """One row per stream of the discovered catalog."""
    with subprocess.Popen(
        [str(TAP), "--config", "ENV", "--discover"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={"TAP_HELPSCOUT_" + key.upper(): value for key, value in DUMMY_CONFIG.items()},
    ) as process:
        catalog = json.loads(process.communicate()[0])
    rows = ["| Stream | Holds | Primary key | Replication | Parent |", "|:--|:--|:--|:--|:--|"]
    parents = {
        stream.name: stream.parent_stream_type.name
        for stream in STREAM_TYPES
        if stream.parent_stream_type is not None
    }
    for entry in sorted(
        catalog["streams"],
        key=lambda e: (
            list(STREAM_DESCRIPTIONS).index(e["tap_stream_id"])
            if e["tap_stream_id"] in STREAM_DESCRIPTIONS
            else 99
        ),
    ):
        name = entry["tap_stream_id"]
        top = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
        keys = ", ".join(f"`{key}`" for key in top.get("table-key-properties", []))
        replication = top.get("forced-replication-method") or (
            "INCREMENTAL" if top.get("valid-replication-keys") else "FULL_TABLE"
        )
        if replication == "INCREMENTAL":
            replication += f" (`{top['valid-replication-keys'][0]}`)"
        replication += REPLICATION_NOTES.get(name, "")
        rows.append(
            f"| `{name}` | {STREAM_DESCRIPTIONS.get(name, '')} | {keys} | {replication} "
            f"| {parents.get(name, '')} |"
        )
    return "\n".join(rows)


def render(text: str) -> str:
    """`text` with each generated block replaced by its current content."""
    for marker, content in (("settings", settings_table()), ("streams", streams_table())):
        pattern = re.compile(rf"(<!-- {marker}:start -->\n).*?(<!-- {marker}:end -->)", re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- {marker}:start/end --> block")
        text = pattern.sub(
            lambda match, block=content: match.group(1) + block + "\n" + match.group(2), text
        )
    return text


def main() -> int:
    current = README.read_text()
    wanted = render(current)
    if "--check" in sys.argv:
        if wanted != current:
            print("README.md is out of date: run `make docs`")
            return 1
        return 0
    README.write_text(wanted)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
