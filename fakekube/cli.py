"""The ``fakekube`` command: ``serve``, ``simulate`` and ``demo``."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

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
        with asyncio.Runner(loop_factory=_fast_loop()) as runner:
            runner.run(serve_forever(server, kubeconfig))
    except OSError as exc:
        print(
            f"fakekube: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr
        )
        return 1
    return 0


def _fast_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where installed (it is a dependency on Linux and macOS).

    Under kube-scheduler a third of the server's CPU is the event loop itself: socket
    writes of watch events, epoll, and accepting the connections a busy HTTP/1.1 client
    opens and closes by the thousand. uvloop cut the server's CPU while binding 10,000 pods
    from 8.5-10.9 s to 7.3-9.1 s (bench/reference_scheduler.py); nothing else changes.
    """
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _demo(args: argparse.Namespace) -> int:
    from fakekube.demo import run_demo

    return asyncio.run(run_demo(nodes=args.nodes, pods=args.pods))


T = TypeVar("T")


async def _cancelled_by_sigterm(work: Awaitable[T]) -> T:
    """Await ``work``, a SIGTERM cancelling it as Ctrl-C does under ``asyncio.run``.

    A signal handler that raised KeyboardInterrupt would surface at whatever bytecode runs
    when the signal lands (inside a server handler, the Batsim socket, a cleanup), so the
    run could neither write its results nor stop cleanly; a cancellation arrives at an
    ``await`` of the simulation itself, which then winds down and writes what it has.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await work
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def _simulate(args: argparse.Namespace) -> int:
    from fakekube.batsim.engine import EngineStalled
    from fakekube.batsim.platform import PlatformError
    from fakekube.batsim.protocol import ProtocolError
    from fakekube.batsim.workload import WorkloadError
    from fakekube.simulate import (
        CommandRunner,
        InProcessRunner,
        SimulationConfig,
        SimulationError,
        SimulationInterrupted,
        run_simulation,
    )

    config = SimulationConfig(
        workload=Path(args.workload),
        platform=Path(args.platform),
        out=Path(args.out),
        endpoint=args.socket,
        batsim=args.batsim,
        settle=args.settle,
        step_timeout=args.step_timeout,
        plots=not args.no_plots,
        progress=not args.no_progress,
        allow_compute_sharing=args.enable_compute_sharing,
    )
    try:
        if args.scheduler_cmd:
            runner: object = CommandRunner(args.scheduler_cmd)
        elif args.scheduler == "kube-scheduler":
            from fakekube.simulate import KubeSchedulerRunner

            runner = KubeSchedulerRunner(
                version=args.kube_scheduler_version,
                config=Path(args.kube_scheduler_config) if args.kube_scheduler_config else None,
            )
        else:
            runner = InProcessRunner(args.scheduler, seed=args.seed)
        # A SIGTERM (CI runners, `timeout`, kill) unwinds like Ctrl-C, so the scheduler
        # process and the server are stopped instead of left behind.
        results = asyncio.run(_cancelled_by_sigterm(run_simulation(config, runner)))  # type: ignore[arg-type]
    except (WorkloadError, PlatformError, SimulationError, EngineStalled, ProtocolError) as exc:
        print(f"fakekube simulate: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"fakekube simulate: {exc}", file=sys.stderr)
        return 1
    except SimulationInterrupted as stop:
        where = f"; results so far in {stop.out}/" if stop.out is not None else ""
        print(
            f"fakekube simulate: interrupted after {stop.results.done} of "
            f"{len(stop.results.jobs)} submitted jobs ended{where}",
            file=sys.stderr,
        )
        return 130
    except KeyboardInterrupt:
        print("fakekube simulate: interrupted; no results written", file=sys.stderr)
        return 130
    m = results.metrics()
    print(
        f"{m['jobs']} jobs: makespan {m['makespan']:.1f} s, "
        f"mean wait {m['mean_waiting_time']:.1f} s, "
        f"mean bounded slowdown {m['mean_bounded_slowdown']:.2f}, utilisation "
        f"{m['utilisation']:.1%}; {m['steps']} steps ({m['steps_closed_by_fallback']} by fallback) "
        f"in {m['wall_time_seconds']:.1f} s wall"
    )
    print(
        f"results in {config.out}/ (jobs.csv, schedule.csv, metrics.json"
        + (", gantt.png, utilisation.png)" if config.plots else ")")
    )
    return 0


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
    simulate = sub.add_parser(
        "simulate",
        help="run a Batsim workload through a scheduler",
        description="Run a Batsim workload through a real scheduler on simulated time.",
    )
    simulate.add_argument("--workload", required=True, help="Batsim workload JSON")
    simulate.add_argument(
        "--platform", required=True, help="SimGrid XML platform, or a YAML/JSON node list"
    )
    simulate.add_argument(
        "--scheduler",
        default="first-fit",
        help="first-fit, best-fit, random (bundled Python schedulers) or kube-scheduler",
    )
    simulate.add_argument(
        "--scheduler-cmd",
        help="any scheduler program; {kubeconfig} and $KUBECONFIG point it at the cluster",
    )
    simulate.add_argument("--out", default="fakekube-results", help="output directory")
    simulate.add_argument("--batsim", choices=["embedded", "external"], default="embedded")
    simulate.add_argument("--socket", default="tcp://127.0.0.1:28000", help="ZMQ endpoint")
    simulate.add_argument("--seed", type=int, default=0, help="seed of the random scheduler")
    simulate.add_argument(
        "--settle",
        type=float,
        default=0.05,
        help="fallback settle window (s) when a scheduler has no idle probe",
    )
    simulate.add_argument(
        "--step-timeout",
        type=float,
        default=120.0,
        help="seconds a scheduler may stay busy in one step",
    )
    simulate.add_argument("--kube-scheduler-version", help="which built kube-scheduler to use")
    simulate.add_argument(
        "--kube-scheduler-config",
        metavar="FILE",
        help="your KubeSchedulerConfiguration (plugins, scoring: the policy under study); "
        "fakekube sets its kubeconfig and turns leader election off",
    )
    simulate.add_argument(
        "--enable-compute-sharing",
        action="store_true",
        help="let jobs share hosts (as Batsim's flag of that name)",
    )
    simulate.add_argument("--no-plots", action="store_true")
    simulate.add_argument("--no-progress", action="store_true")
    simulate.set_defaults(func=_simulate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
