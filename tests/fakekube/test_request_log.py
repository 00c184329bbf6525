"""The request log: what endpoint manifests and failing-test reports are built from."""

from __future__ import annotations

import aiohttp

from fakekube import FakeCluster


async def test_open_watch_is_logged_with_its_status_while_streaming(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    params = {"watch": "true", "allowWatchBookmarks": "true", "timeoutSeconds": "60"}
    async with http.get("/api/v1/nodes", params=params, headers={"User-Agent": "w/1"}) as resp:
        assert resp.status == 200
        await cluster.wait_for(lambda: cluster.requests(verb="watch"))
        [rec] = cluster.requests(verb="watch")
        assert (rec.method, rec.template, rec.status, rec.user_agent) == (
            "GET",
            "/api/v1/nodes",
            200,
            "w/1",
        )
        assert sorted(rec.query) == ["allowWatchBookmarks", "timeoutSeconds", "watch"]


async def test_watch_is_logged_once_after_it_ends(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    async with http.get("/api/v1/pods", params={"watch": "1", "timeoutSeconds": "1"}) as resp:
        await resp.read()  # the server ends it after one second
    async with http.get("/api/v1/pods") as resp:
        assert resp.status == 200
    assert [(r.verb, r.status) for r in cluster.requests()] == [("watch", 200), ("list", 200)]


async def test_short_requests_are_logged_with_their_final_status(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    async with http.get("/api/v1/namespaces/default/pods/missing") as resp:
        assert resp.status == 404
    [rec] = cluster.requests()
    assert (rec.verb, rec.template, rec.status) == (
        "get",
        "/api/v1/namespaces/{namespace}/pods/{name}",
        404,
    )


async def test_logged_query_body_and_content_type_are_as_the_handler_saw_them(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    # The log keeps the raw query string and header and decodes them when read: the
    # decoded record must equal what dict(request.query) and the media type gave.
    body = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}'
    url = "/api/v1/namespaces/default/configmaps?fieldManager=a%26b&dryRun=All&dryRun=x&e="
    headers = {"Content-Type": "application/json; charset=utf-8"}
    async with http.post(url, data=body, headers=headers) as resp:
        assert resp.status == 201
    [rec] = cluster.requests()
    assert rec.query == {"fieldManager": "a&b", "dryRun": "All", "e": ""}
    assert (rec.content_type, rec.body, rec.verb) == ("application/json", body, "create")
