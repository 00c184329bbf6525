"""The ``fakekube`` command: ``serve``, ``demo`` and (soon) ``simulate``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

__all__ = ["main"]


def _serve(args: argparse.Namespace) -> int:
    from fakekube.api.state import ServerConfig
    from fakekube.server import Server, serve_forever

    config = ServerConfig(bookmark_interval=args.bookmark_interval)
    server = Server(host=args.host, port=args.port, config=config)
    kubeconfig = Path(args.kubeconfig) if args.kubeconfig else None
    if kubeconfig is None:
        kubeconfig = Path(tempfile.gettempdir()) / "fakekube" / "kubeconfig"
    try:
        kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        if kubeconfig.is_dir():
            raise IsADirectoryError(21, "is a directory", str(kubeconfig))
    except OSError as exc:
        print(f"fakekube: cannot write kubeconfig {kubeconfig}: {exc.strerror}", file=sys.stderr)
        return 1
    try:
        asyncio.run(serve_forever(server, kubeconfig))
    except OSError as exc:
        print(
            f"fakekube: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr
        )
        return 1
    return 0


def _demo(args: argparse.Namespace) -> int:
    from fakekube.demo import run_demo

    return asyncio.run(run_demo(nodes=args.nodes, pods=args.pods))


def _simulate(args: argparse.Namespace) -> int:
    print(
        "fakekube simulate: not yet implemented (the Batsim sync is being built); "
        "run `fakekube demo` for a scripted scheduling demo on the API server",
        file=sys.stderr,
    )
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fakekube",
        description="A simulated Kubernetes API server for running real schedulers.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the API server and write a kubeconfig")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    serve.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    serve.add_argument("--kubeconfig", help="where to write the kubeconfig")
    serve.add_argument(
        "--bookmark-interval",
        type=float,
        default=60.0,
        help="seconds between watch BOOKMARK events (default 60)",
    )
    serve.set_defaults(func=_serve)
    demo = sub.add_parser("demo", help="start a server and schedule a few pods through it")
    demo.add_argument("--nodes", type=int, default=3)
    demo.add_argument("--pods", type=int, default=8)
    demo.set_defaults(func=_demo)
    simulate = sub.add_parser("simulate", help="run a Batsim workload through a scheduler")
    simulate.set_defaults(func=_simulate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
