"""The pytest plugin as a user meets it: an inner pytest run in a fresh directory, with
nothing but fakekube installed (the ``pytest11`` entry point loads it)."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)

ASYNC_MODE = ("-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function")


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(source)
    return pytester.runpytest_inprocess(*ASYNC_MODE, "-p", "no:cacheprovider", *args)


def test_plugin_is_loaded_by_its_entry_point(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(*ASYNC_MODE, "--fixtures", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*fake_cluster*", "*fake_cluster_sync*"])


def test_marker_seeds_nodes_and_objects(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        CM = {"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": {"name": "cm", "namespace": "kube-system"}, "data": {"a": "1"}}

        @pytest.mark.fake_cluster(nodes=2, objects=[CM])
        async def test_seeded(fake_cluster):
            names = [n["metadata"]["name"] for n in fake_cluster.store.list("nodes").objects()]
            assert names == ["node-0", "node-1"]
            node = fake_cluster.store.get("nodes", "node-0")
            assert node["status"]["conditions"][0]["type"] == "Ready"
            assert fake_cluster.store.get("configmaps", "cm", "kube-system")["data"] == {"a": "1"}
        """,
    )
    result.assert_outcomes(passed=1)


def test_closest_marker_wins_over_module_marker_and_options_fixture(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import pytest
        from fakekube.api.state import ServerConfig

        pytestmark = pytest.mark.fake_cluster(nodes=1)

        @pytest.fixture
        def fake_cluster_options():
            return {"nodes": 5, "config": ServerConfig(bookmark_interval=7.0)}

        async def test_module_marker(fake_cluster):
            assert fake_cluster.store.count("nodes") == 1
            assert fake_cluster.config.bookmark_interval == 7.0

        @pytest.mark.fake_cluster(nodes=["a", "b", "c"])
        async def test_function_marker(fake_cluster):
            assert sorted(n["metadata"]["name"]
                          for n in fake_cluster.store.list("nodes").objects()) == ["a", "b", "c"]
        """,
    )
    result.assert_outcomes(passed=2)


def test_every_test_gets_its_own_state(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.parametrize("i", range(3))
        async def test_create_same_name(fake_cluster, i):
            assert fake_cluster.store.try_get("configmaps", "same") is None
            assert fake_cluster.requests() == []
            fake_cluster.store.create("configmaps", {"metadata": {"name": "same"}})
            fake_cluster.faults.respond(500, times=None)

        def test_sync_too(fake_cluster_sync):
            assert fake_cluster_sync.store.try_get("configmaps", "same") is None
        """,
    )
    result.assert_outcomes(passed=4)


def test_failing_test_report_shows_the_request_log_tail(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from kubernetes_asyncio import client

        async def test_fails(fake_cluster):
            core = client.CoreV1Api(fake_cluster.api_client())
            await core.create_namespaced_config_map("default", {"metadata": {"name": "cm1"}})
            await core.list_namespaced_pod("default")
            assert False, "boom"
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*fakekube requests (last 40) http://127.0.0.1:*",
            '201 POST /api/v1/namespaces/default/configmaps  body={"metadata": {"name": "cm1"}}',
            "200 GET /api/v1/namespaces/default/pods",
        ]
    )


def test_passing_test_report_has_no_request_log(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        async def test_passes(fake_cluster):
            fake_cluster.store.create("configmaps", {"metadata": {"name": "cm"}})
        """,
        "-rA",
    )
    result.assert_outcomes(passed=1)
    assert "fakekube requests" not in result.stdout.str()


def test_works_in_pytest_asyncio_strict_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.asyncio
        async def test_strict(fake_cluster):
            assert fake_cluster.store.count("namespaces") == 4
        """
    )
    result = pytester.runpytest_inprocess(
        "-o", "asyncio_mode=strict", "-o", "asyncio_default_fixture_loop_scope=function"
    )
    result.assert_outcomes(passed=1)


def test_works_next_to_pytest_aiohttp_fixtures(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from aiohttp import web

        async def test_proxying_app(aiohttp_client, fake_cluster):
            async def handler(request):
                n = fake_cluster.store.count("namespaces")
                return web.json_response({"namespaces": n})
            app = web.Application()
            app.router.add_get("/", handler)
            client = await aiohttp_client(app)
            resp = await client.get("/")
            assert (await resp.json()) == {"namespaces": 4}
        """,
    )
    result.assert_outcomes(passed=1)


def test_fixture_factory_shares_one_server_across_a_module(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from fakekube.pytest_plugin import fake_cluster_fixture

        fake_cluster = fake_cluster_fixture(scope="module", nodes=1)

        @pytest.mark.asyncio(loop_scope="module")
        async def test_first(fake_cluster):
            fake_cluster.store.create("configmaps", {"metadata": {"name": "kept"}})

        @pytest.mark.asyncio(loop_scope="module")
        async def test_second(fake_cluster):
            assert fake_cluster.store.try_get("configmaps", "kept") is not None
            assert fake_cluster.store.count("nodes") == 1
        """,
    )
    result.assert_outcomes(passed=2)


def test_unknown_marker_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.fake_cluster(node=3)
        async def test_typo(fake_cluster):
            pass
        """,
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*UsageError: unknown fake_cluster option(s)*'node'*"])
