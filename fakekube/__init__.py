"""fakekube: a Kubernetes API server that real schedulers cannot tell from the real one."""

from fakekube.cluster import FakeCluster, FakeClusterSync
from fakekube.errors import StatusError
from fakekube.server import Server
from fakekube.store import Store

__all__ = ["FakeCluster", "FakeClusterSync", "Server", "StatusError", "Store"]
