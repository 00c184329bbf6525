// Command etcd is the upstream etcd server, unmodified: the same main as
// go.etcd.io/etcd/server/v3/main.go. It is built in the kube-apiserver's module so its
// version is the one k8s.io/kubernetes v1.35.4 pins (and embeds in its own integration tests).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
