// Command go-scheduler is a small custom scheduler written the way a Go team would write
// one: client-go shared informers for pods and nodes, a rate-limited work queue, first fit
// on cpu, memory and pod count, a Binding through the pods/binding subresource, and
// events.k8s.io events. It is not kube-scheduler and knows nothing about fakekube: the
// conformance tests run it to show that any client-go program works unchanged.
//
//	go-scheduler --kubeconfig PATH [--scheduler-name fakekube-go-scheduler]
//
// It serves pods whose spec.schedulerName is its name. A pod that fits nowhere gets the
// PodScheduled=False condition (as kube-scheduler writes it) and waits until a node is
// added or changed, or another pod goes away.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

type scheduler struct {
	name     string
	client   kubernetes.Interface
	pods     corelisters.PodLister
	nodes    corelisters.NodeLister
	queue    workqueue.TypedRateLimitingInterface[string]
	recorder events.EventRecorder

	mu            sync.Mutex
	assumed       map[string]*corev1.Pod // bound by us, not yet seen bound by the informer
	unschedulable map[string]bool        // waiting for a cluster change
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "path to the kubeconfig")
	name := flag.String("scheduler-name", "fakekube-go-scheduler", "the spec.schedulerName served")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Fatalf("kubeconfig: %v", err)
	}
	// client-go's default (5 requests/s) would queue bindings behind event posts; a
	// scheduler wants kube-scheduler's own defaults.
	cfg.QPS, cfg.Burst = 50, 100
	client := kubernetes.NewForConfigOrDie(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: client.EventsV1()})
	broadcaster.StartRecordingToSink(ctx.Done())
	defer broadcaster.Shutdown()

	factory := informers.NewSharedInformerFactory(client, 0)
	s := &scheduler{
		name:          *name,
		client:        client,
		pods:          factory.Core().V1().Pods().Lister(),
		nodes:         factory.Core().V1().Nodes().Lister(),
		queue:         workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		recorder:      broadcaster.NewRecorder(scheme.Scheme, *name),
		assumed:       map[string]*corev1.Pod{},
		unschedulable: map[string]bool{},
	}
	if _, err := factory.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { s.podChanged(nil, obj.(*corev1.Pod)) },
		UpdateFunc: func(old, obj any) { s.podChanged(old.(*corev1.Pod), obj.(*corev1.Pod)) },
		DeleteFunc: func(any) { s.requeueUnschedulable() },
	}); err != nil {
		klog.Fatal(err)
	}
	if _, err := factory.Core().V1().Nodes().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { s.requeueUnschedulable() },
		UpdateFunc: func(any, any) { s.requeueUnschedulable() },
	}); err != nil {
		klog.Fatal(err)
	}
	factory.Start(ctx.Done())
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			klog.Fatalf("cache for %v never synced", typ)
		}
	}
	klog.Infof("%s: caches synced, scheduling", *name)
	go func() { <-ctx.Done(); s.queue.ShutDown() }()
	for s.next(ctx) {
	}
	factory.Shutdown()
}

func key(pod *corev1.Pod) string { return pod.Namespace + "/" + pod.Name }

func terminal(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// pending says whether the pod waits for this scheduler.
func (s *scheduler) pending(pod *corev1.Pod) bool {
	return pod.Spec.SchedulerName == s.name && pod.Spec.NodeName == "" &&
		pod.DeletionTimestamp == nil && !terminal(pod)
}

func (s *scheduler) podChanged(old, pod *corev1.Pod) {
	if pod.Spec.NodeName != "" {
		s.mu.Lock()
		delete(s.assumed, key(pod))
		s.mu.Unlock()
	}
	if old != nil && !terminal(old) && terminal(pod) {
		s.requeueUnschedulable() // its resources are free again
		return
	}
	// Our own status patches change only the status: they must not requeue the pod.
	if s.pending(pod) && (old == nil || !equality.Semantic.DeepEqual(old.Spec, pod.Spec) ||
		!equality.Semantic.DeepEqual(old.Labels, pod.Labels)) {
		s.queue.Add(key(pod))
	}
}

func (s *scheduler) requeueUnschedulable() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.unschedulable {
		s.queue.Add(k)
	}
	s.unschedulable = map[string]bool{}
}

func (s *scheduler) next(ctx context.Context) bool {
	k, shutdown := s.queue.Get()
	if shutdown {
		return false
	}
	defer s.queue.Done(k)
	if err := s.schedule(ctx, k); err != nil {
		klog.Errorf("scheduling %s: %v", k, err)
		s.queue.AddRateLimited(k)
		return true
	}
	s.queue.Forget(k)
	return true
}

// resources holds milli-cpu, bytes of memory and a pod count.
type resources struct{ cpu, memory, pods int64 }

func requests(pod *corev1.Pod) resources {
	r := resources{pods: 1}
	for _, c := range pod.Spec.Containers {
		r.cpu += c.Resources.Requests.Cpu().MilliValue()
		r.memory += c.Resources.Requests.Memory().Value()
	}
	return r
}

func (s *scheduler) schedule(ctx context.Context, k string) error {
	ns, name, _ := strings.Cut(k, "/")
	pod, err := s.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	s.mu.Lock()
	_, assumed := s.assumed[k]
	s.mu.Unlock()
	if !s.pending(pod) || assumed {
		return nil
	}
	nodes, err := s.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	used, err := s.usage()
	if err != nil {
		return err
	}
	want := requests(pod)
	reasons := map[string]int{}
	for _, node := range nodes {
		if why := fits(pod, want, node, used[node.Name]); why != "" {
			reasons[why]++
			continue
		}
		return s.bind(ctx, pod, node.Name)
	}
	return s.unschedulableNow(ctx, pod, len(nodes), reasons)
}

// usage sums the requests of every live pod on each node, counting our assumed bindings.
func (s *scheduler) usage() (map[string]resources, error) {
	pods, err := s.pods.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	for _, p := range s.assumed {
		pods = append(pods, p)
	}
	s.mu.Unlock()
	used := map[string]resources{}
	for _, p := range pods {
		if p.Spec.NodeName == "" || terminal(p) {
			continue
		}
		r, u := requests(p), used[p.Spec.NodeName]
		used[p.Spec.NodeName] = resources{u.cpu + r.cpu, u.memory + r.memory, u.pods + r.pods}
	}
	return used, nil
}

// fits returns "" when the pod can go to node, else kube-scheduler's reason why not.
func fits(pod *corev1.Pod, want resources, node *corev1.Node, used resources) string {
	ready := false
	for _, c := range node.Status.Conditions {
		ready = ready || (c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue)
	}
	if !ready || node.Spec.Unschedulable {
		return "node(s) were unschedulable"
	}
	if !labels.SelectorFromSet(pod.Spec.NodeSelector).Matches(labels.Set(node.Labels)) {
		return "node(s) didn't match Pod's node affinity/selector"
	}
	for _, taint := range node.Spec.Taints {
		if taint.Effect == corev1.TaintEffectPreferNoSchedule {
			continue
		}
		tolerated := false
		for _, t := range pod.Spec.Tolerations {
			tolerated = tolerated || t.ToleratesTaint(klog.Background(), &taint, false)
		}
		if !tolerated {
			return "node(s) had untolerated taint"
		}
	}
	alloc := node.Status.Allocatable
	switch {
	case used.cpu+want.cpu > alloc.Cpu().MilliValue():
		return "Insufficient cpu"
	case used.memory+want.memory > alloc.Memory().Value():
		return "Insufficient memory"
	case used.pods+want.pods > alloc.Pods().Value():
		return "Too many pods"
	}
	return ""
}

func (s *scheduler) bind(ctx context.Context, pod *corev1.Pod, node string) error {
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}
	s.mu.Lock()
	bound := pod.DeepCopy()
	bound.Spec.NodeName = node
	s.assumed[key(pod)] = bound
	s.mu.Unlock()
	err := s.client.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{})
	if err != nil {
		s.mu.Lock()
		delete(s.assumed, key(pod))
		s.mu.Unlock()
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return nil // bound by someone else, or gone: the informer will say
		}
		return err
	}
	s.recorder.Eventf(pod, nil, corev1.EventTypeNormal, "Scheduled", "Binding",
		"Successfully assigned %s/%s to %s", pod.Namespace, pod.Name, node)
	return nil
}

func (s *scheduler) unschedulableNow(ctx context.Context, pod *corev1.Pod, nodes int, reasons map[string]int) error {
	s.mu.Lock()
	s.unschedulable[key(pod)] = true
	s.mu.Unlock()
	parts := make([]string, 0, len(reasons))
	for why, n := range reasons {
		parts = append(parts, fmt.Sprintf("%d %s", n, why))
	}
	sort.Strings(parts)
	message := fmt.Sprintf("0/%d nodes are available: %s.", nodes, strings.Join(parts, ", "))
	// Every failed attempt is an event, as with kube-scheduler (the recorder folds repeats
	// into a series); the condition is written only when it changes.
	s.recorder.Eventf(pod, nil, corev1.EventTypeWarning, "FailedScheduling", "Scheduling", "%s", message)
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message == message {
			return nil // already says so
		}
	}
	patch, err := json.Marshal(map[string]any{"status": map[string]any{"conditions": []any{map[string]any{
		"type": corev1.PodScheduled, "status": corev1.ConditionFalse, "reason": corev1.PodReasonUnschedulable,
		"message": message, "lastTransitionTime": metav1.NewTime(time.Now()),
	}}}})
	if err != nil {
		return err
	}
	_, err = s.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType,
		patch, metav1.PatchOptions{}, "status")
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
