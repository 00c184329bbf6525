// Command reflector runs a real client-go SharedIndexInformer for pods against a
// kubeconfig, so the fakekube tests can check that client-go lists, watches, relists
// after 410 Expired and resumes dropped watches exactly as it does against
// kube-apiserver, in both the classic LIST+WATCH mode and the streaming-list mode.
//
// Control protocol: one JSON object per line on stdout; commands on stdin, one a line.
//
//	out {"event":"started","watchList":true}     the WatchListClient gate as client-go sees it
//	out {"event":"synced"}                        once HasSynced turns true
//	in  dump  → {"event":"dump","lastSyncResourceVersion":"12","items":{"ns/name":"rv",...}}
//	in  quit  → exits 0
//	out {"event":"watchError","error":"..."}      every error the reflector reports
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientfeatures "k8s.io/client-go/features"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

var out = struct {
	sync.Mutex
	enc *json.Encoder
}{enc: json.NewEncoder(os.Stdout)}

func emit(v map[string]any) {
	out.Lock()
	defer out.Unlock()
	if err := out.enc.Encode(v); err != nil {
		os.Exit(3)
	}
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path to the kubeconfig")
	watchList := flag.Bool("watch-list", false, "turn the WatchListClient gate on (streaming list)")
	fieldSelector := flag.String("field-selector", "", "field selector for the pod informer")
	contentType := flag.String("content-type", "application/json", "request content type")
	flag.Parse()

	// client-go reads KUBE_FEATURE_* once, on the first gate lookup: set it before any.
	if err := os.Setenv("KUBE_FEATURE_WatchListClient", strconv.FormatBool(*watchList)); err != nil {
		fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fatal(err)
	}
	cfg.ContentType = *contentType
	cfg.QPS, cfg.Burst = 1000, 1000
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fatal(err)
	}
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = *fieldSelector }))
	informer := factory.Core().V1().Pods().Informer()
	if err := informer.SetWatchErrorHandler(func(_ *cache.Reflector, err error) {
		emit(map[string]any{"event": "watchError", "error": err.Error()})
	}); err != nil {
		fatal(err)
	}
	emit(map[string]any{
		"event":     "started",
		"watchList": clientfeatures.FeatureGates().Enabled(clientfeatures.WatchListClient),
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	go func() {
		if cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
			emit(map[string]any{"event": "synced"})
		}
	}()

	lines := bufio.NewScanner(os.Stdin)
	for lines.Scan() {
		switch lines.Text() {
		case "dump":
			items := map[string]string{}
			for _, obj := range informer.GetStore().List() {
				pod := obj.(*corev1.Pod)
				key, _ := cache.MetaNamespaceKeyFunc(pod)
				items[key] = pod.ResourceVersion
			}
			emit(map[string]any{
				"event":                   "dump",
				"lastSyncResourceVersion": informer.LastSyncResourceVersion(),
				"items":                   items,
			})
		case "quit":
			cancel()
			factory.Shutdown()
			return
		default:
			emit(map[string]any{"event": "error", "error": fmt.Sprintf("unknown command %q", lines.Text())})
		}
	}
}

func fatal(err error) {
	emit(map[string]any{"event": "fatal", "error": err.Error()})
	os.Exit(2)
}
