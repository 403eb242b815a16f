"""The further read endpoints: fields, saved replies, teams, tags, workflows, webhooks, ..."""

from __future__ import annotations

from helpscout_sim.render import strip_links


def test_mailbox_fields_and_saved_replies(client, sim):
    box = client.walk("/v2/mailboxes", key="mailboxes")[0]["id"]
    fields = client.walk(f"/v2/mailboxes/{box}/fields", key="fields")
    assert {f["type"] for f in fields} >= {"dropdown"}
    assert set(fields[0]) == {"id", "name", "type", "order", "required", "options", "_links"}
    replies = client.get(f"/v2/mailboxes/{box}/saved-replies")
    assert isinstance(replies.body, list)
    assert all({"id", "name", "preview"} <= set(r) for r in replies.body)
    one = client.get(f"/v2/mailboxes/{box}/saved-replies/{replies.body[0]['id']}").body
    assert set(one) == {"id", "name", "text", "chatText"}
    truth = client.truth("saved_replies")
    assert {r["id"] for r in replies.body} <= {r["id"] for r in truth}


def test_teams_members_tags(client):
    teams = client.walk("/v2/teams", key="teams")
    assert len(teams) == 3
    assert set(teams[0]["_links"]) == {"self", "teamMembers"}
    members = client.truth("team_members")
    for team in teams:
        listed = client.walk(f"/v2/teams/{team['id']}/members", key="users")
        assert {u["id"] for u in listed} == {m["id"] for m in members if m["teamId"] == team["id"]}
    tags = client.walk("/v2/tags", key="tags")
    assert [t["name"] for t in tags] == sorted(t["name"] for t in tags)
    assert any("updatedAt" not in t for t in tags)
    assert tags == client.truth("tags")


def test_workflows_webhooks_organizations_properties(client):
    workflows = client.walk("/v2/workflows", key="workflows")
    assert all("modifiedAt" in w and "updatedAt" not in w for w in workflows)
    webhooks = client.walk("/v2/webhooks", key="webhooks")
    assert all("secret" in w for w in webhooks)
    assert [strip_links(w) for w in webhooks] == client.truth("webhooks")
    organizations = client.walk("/v2/organizations", key="organizations")
    assert len(organizations) == len(client.truth("organizations"))
    counted = client.get(
        f"/v2/organizations/{organizations[0]['id']}", {"includeCounts": "true"}
    ).body
    assert "customerCount" in counted
    assert "conversationCount" in counted
    props = client.get("/v2/customer-properties").body
    assert set(props) == {"_embedded", "_links"}
    assert "customer-properties" in props["_embedded"]


def test_single_rating(client, sim):
    ref = next(r for r in sim.app.data.ratings if r.conversation.live)
    body = client.get(f"/v2/ratings/{ref.rating_id}").body
    assert body["conversationId"] == ref.conversation.id
    assert not body["createdAt"].endswith("Z")
    assert body["rating"] in ("great", "okay", "not_good")
