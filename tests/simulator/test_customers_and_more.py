"""Customers (case C8), mailboxes, folders and users."""

from __future__ import annotations

from helpscout_sim.timeutil import iso


def test_customer_embedded_entries_vary(client):
    customers = client.walk("/v2/customers", key="customers")
    assert len(customers) == 120
    full = [c for c in customers if "address" in c.get("_embedded", {})]
    bare = [c for c in customers if "_embedded" not in c]
    no_address = [c for c in customers if "_embedded" in c and "address" not in c["_embedded"]]
    assert full
    assert bare
    assert no_address
    embedded = full[0]["_embedded"]
    assert set(embedded) == {
        "emails",
        "phones",
        "chats",
        "social_profiles",
        "websites",
        "properties",
        "address",
    }
    assert isinstance(embedded["address"], dict)
    assert "social-profiles" in full[0]["_links"]


def test_customers_modified_since_and_sort(client, sim):
    customers = sorted(sim.app.data.customers, key=lambda c: (c.updated_at, c.id))
    pivot = customers[50].updated_at
    got = client.walk(
        "/v2/customers",
        {"modifiedSince": iso(pivot), "sortField": "modifiedAt", "sortOrder": "asc"},
        key="customers",
    )
    assert [c["id"] for c in got] == [c.id for c in customers if c.updated_at > pivot]
    assert [c["updatedAt"] for c in got] == sorted(c["updatedAt"] for c in got)
    query = f"(modifiedAt:[{iso(pivot)} TO *])"
    got = client.walk("/v2/customers", {"query": query}, key="customers")
    assert {c["id"] for c in got} == {c.id for c in customers if c.updated_at >= pivot}


def test_mailboxes_folders_users(client, sim):
    mailboxes = client.walk("/v2/mailboxes", key="mailboxes")
    assert len(mailboxes) == 3
    assert set(mailboxes[0]["_links"]) == {"self", "folders", "fields"}
    single = client.get(f"/v2/mailboxes/{mailboxes[0]['id']}").body
    assert single == mailboxes[0]
    folders = client.walk(f"/v2/mailboxes/{mailboxes[0]['id']}/folders", key="folders")
    assert folders
    assert set(folders[0]) == {
        "id",
        "name",
        "type",
        "userId",
        "totalCount",
        "activeCount",
        "updatedAt",
        "_links",
    }
    assert client.get("/v2/mailboxes/1/folders").status == 404
    users = client.walk("/v2/users", key="users")
    assert len(users) == 8
    me = client.get("/v2/users/me").body
    assert me["companyId"]
    assert me["id"] == users[0]["id"]
    assert "companyId" not in users[0]


def test_folder_counts_add_up(client, sim):
    folders = client.truth("mailbox_folders")
    conversations = client.truth("conversations")
    assert sum(f["totalCount"] for f in folders) == len(conversations)
    assert all("mailboxId" in f for f in folders)
