// Command gen writes protobuf test vectors for fakekube with the real Kubernetes
// serializer: NAME.pb (k8s\x00 + runtime.Unknown, as client-go sends it) and NAME.json
// (encoding/json of the same object). Run: go run . (from this directory).
package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func ptr[T any](v T) *T { return &v }

func main() {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, eventsv1.AddToScheme, coordinationv1.AddToScheme, policyv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	pb := protobuf.NewSerializer(scheme, scheme)
	when := metav1.NewTime(time.Date(2026, 11, 22, 22, 11, 0, 0, time.UTC))
	micro := metav1.NewMicroTime(time.Date(2026, 11, 22, 22, 11, 0, 123456000, time.UTC))
	meta := metav1.ObjectMeta{Name: "web-0", Namespace: "default", UID: types.UID("3c5d0c8e-uid"),
		Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"note": "x"}}

	objects := map[string]runtime.Object{
		"binding": &corev1.Binding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Binding"},
			ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "default", UID: "3c5d0c8e-uid"},
			Target:     corev1.ObjectReference{Kind: "Node", Name: "node-1"},
		},
		"deleteoptions": &metav1.DeleteOptions{
			TypeMeta:           metav1.TypeMeta{APIVersion: "v1", Kind: "DeleteOptions"},
			GracePeriodSeconds: ptr(int64(30)),
			Preconditions:      &metav1.Preconditions{UID: ptr(types.UID("3c5d0c8e-uid")), ResourceVersion: ptr("42")},
			PropagationPolicy:  ptr(metav1.DeletePropagationBackground),
		},
		"pod": &corev1.Pod{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: meta,
			Spec: corev1.PodSpec{
				SchedulerName:     "default-scheduler",
				PriorityClassName: "high",
				Priority:          ptr(int32(1000)),
				NodeSelector:      map[string]string{"disk": "ssd"},
				Containers: []corev1.Container{{
					Name: "c", Image: "nginx:1.27",
					Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
					Env:   []corev1.EnvVar{{Name: "MODE", Value: "prod"}},
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")},
						Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
					},
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}}},
					LivenessProbe:  &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}},
				}},
				Tolerations: []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
				Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
						MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "b"}}},
					}}},
				}},
				TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
					MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.DoNotSchedule,
					LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				}},
				Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			},
			Status: corev1.PodStatus{
				Phase: corev1.PodPending,
				Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
					Reason: "Unschedulable", Message: "0/3 nodes are available", LastTransitionTime: when}},
			},
		},
		"node": &corev1.Node{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
			ObjectMeta: metav1.ObjectMeta{Name: "node-1", Labels: map[string]string{"kubernetes.io/hostname": "node-1"}},
			Spec:       corev1.NodeSpec{Taints: []corev1.Taint{{Key: "gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}}, Unschedulable: true},
			Status: corev1.NodeStatus{
				Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourcePods: resource.MustParse("110")},
				Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("7800m"), corev1.ResourceMemory: resource.MustParse("30Gi")},
				Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: when}},
				Addresses:   []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.1"}},
			},
		},
		"event-core": &corev1.Event{
			TypeMeta:            metav1.TypeMeta{APIVersion: "v1", Kind: "Event"},
			ObjectMeta:          metav1.ObjectMeta{Name: "kube-scheduler.1870a", Namespace: "kube-system"},
			InvolvedObject:      corev1.ObjectReference{Kind: "Lease", Namespace: "kube-system", Name: "kube-scheduler", APIVersion: "coordination.k8s.io/v1"},
			Reason:              "LeaderElection",
			Message:             "host_1 became leader",
			Source:              corev1.EventSource{Component: "default-scheduler"},
			FirstTimestamp:      when,
			LastTimestamp:       when,
			Count:               1,
			Type:                corev1.EventTypeNormal,
			EventTime:           micro,
			ReportingController: "default-scheduler",
			ReportingInstance:   "default-scheduler-host_1",
		},
		"event-v1": &eventsv1.Event{
			TypeMeta:            metav1.TypeMeta{APIVersion: "events.k8s.io/v1", Kind: "Event"},
			ObjectMeta:          metav1.ObjectMeta{Name: "web-0.1870a2b3c4d5e6f7", Namespace: "default"},
			EventTime:           micro,
			Series:              &eventsv1.EventSeries{Count: 2, LastObservedTime: micro},
			ReportingController: "default-scheduler",
			ReportingInstance:   "default-scheduler-host_1",
			Action:              "Scheduling",
			Reason:              "FailedScheduling",
			Regarding:           corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web-0", UID: "3c5d0c8e-uid", APIVersion: "v1", ResourceVersion: "42"},
			Note:                "0/3 nodes are available",
			Type:                "Warning",
		},
		"lease": &coordinationv1.Lease{
			TypeMeta:   metav1.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
			ObjectMeta: metav1.ObjectMeta{Name: "kube-scheduler", Namespace: "kube-system", ResourceVersion: "17"},
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity: ptr("host_1"), LeaseDurationSeconds: ptr(int32(15)),
				AcquireTime: &micro, RenewTime: &micro, LeaseTransitions: ptr(int32(0)),
			},
		},
		"eviction": &policyv1.Eviction{
			TypeMeta:      metav1.TypeMeta{APIVersion: "policy/v1", Kind: "Eviction"},
			ObjectMeta:    metav1.ObjectMeta{Name: "web-0", Namespace: "default"},
			DeleteOptions: &metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(0))},
		},
	}
	out := ".."
	for name, obj := range objects {
		f, err := os.Create(filepath.Join(out, name+".pb"))
		if err != nil {
			panic(err)
		}
		if err := pb.Encode(obj, f); err != nil {
			panic(err)
		}
		f.Close()
		data, err := json.MarshalIndent(obj, "", "  ")
		if err != nil {
			panic(err)
		}
		if err := os.WriteFile(filepath.Join(out, name+".json"), append(data, '\n'), 0o644); err != nil {
			panic(err)
		}
	}
}
