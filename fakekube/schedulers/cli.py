"""``python -m fakekube.schedulers.<name> --kubeconfig PATH``: run a bundled scheduler."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import logging
from typing import Any

from kubernetes_asyncio import client, config

__all__ = ["main"]


def main(cls: Any, argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog=f"python -m {cls.__module__}", description=cls.__doc__)
    ap.add_argument(
        "--kubeconfig", help="kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)"
    )
    ap.add_argument("--scheduler-name", default=cls.scheduler_name)
    if "seed" in inspect.signature(cls.__init__).parameters:
        ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    async def run() -> None:
        cfg = client.Configuration()
        await config.load_kube_config(config_file=args.kubeconfig, client_configuration=cfg)
        async with client.ApiClient(cfg) as api:
            # Named in the API server's logs (and conformance manifests) by what it is.
            api.user_agent = f"fakekube-{cls.name}"
            kw: dict[str, Any] = {"scheduler_name": args.scheduler_name}
            if hasattr(args, "seed"):
                kw["seed"] = args.seed
            await cls(api, **kw).run()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0
