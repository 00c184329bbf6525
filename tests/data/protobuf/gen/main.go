// Command gen writes protobuf test vectors for fakekube with the real Kubernetes
// serializer: one realistic object per built-in kind fakekube serves, plus the option and
// subresource bodies clients send (Binding, Eviction, Scale, DeleteOptions). For each it
// writes NAME.pb (k8s\x00 + runtime.Unknown, as client-go sends it) and NAME.json
// (encoding/json of the same object). NAME is <group or core>.<version>.<kind>, lower case.
// Run: go run . (from this directory); see README.md.
package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	resourcev1 "k8s.io/api/resource/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func ptr[T any](v T) *T { return &v }

var (
	when  = metav1.NewTime(time.Date(2026, 11, 22, 22, 11, 0, 0, time.UTC))
	micro = metav1.NewMicroTime(time.Date(2026, 11, 22, 22, 11, 0, 123456000, time.UTC))
	q     = resource.MustParse
)

func tm(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func meta(name, namespace string) metav1.ObjectMeta {
	// What a client sends on create: no uid, resourceVersion or timestamps (the
	// autoscaling.v1.scale vector carries those).
	return metav1.ObjectMeta{
		Name: name, Namespace: namespace,
		Labels:      map[string]string{"app": "web"},
		Annotations: map[string]string{"note": "x"},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet",
			Name: "web-5d4f", UID: "rs-uid", Controller: ptr(true), BlockOwnerDeletion: ptr(true)}},
		Finalizers: []string{"example.com/keep"},
	}
}

func podSpec() corev1.PodSpec {
	return corev1.PodSpec{
		SchedulerName:                 "default-scheduler",
		PriorityClassName:             "high",
		Priority:                      ptr(int32(1000)),
		PreemptionPolicy:              ptr(corev1.PreemptNever), // as its PriorityClass "high" says
		NodeSelector:                  map[string]string{"disk": "ssd"},
		RestartPolicy:                 corev1.RestartPolicyAlways,
		TerminationGracePeriodSeconds: ptr(int64(0)),
		ServiceAccountName:            "web",
		AutomountServiceAccountToken:  ptr(false),
		HostNetwork:                   false,
		SecurityContext:               &corev1.PodSecurityContext{RunAsUser: ptr(int64(1000)), RunAsNonRoot: ptr(true), FSGroup: ptr(int64(2000))},
		InitContainers: []corev1.Container{{Name: "init", Image: "busybox:1.36",
			Command: []string{"sh", "-c", "true"}, RestartPolicy: ptr(corev1.ContainerRestartPolicyAlways)}},
		Containers: []corev1.Container{{
			Name: "c", Image: "nginx:1.27", ImagePullPolicy: corev1.PullIfNotPresent,
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
			Env: []corev1.EnvVar{{Name: "MODE", Value: "prod"}, {Name: "NODE", ValueFrom: &corev1.EnvVarSource{
				FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.nodeName"}}}},
			EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Optional: ptr(false)}}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: q("500m"), corev1.ResourceMemory: q("1Gi")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: q("1"), "nvidia.com/gpu": q("1")},
			},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}},
				PeriodSeconds: 5},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}},
			VolumeMounts:  []corev1.VolumeMount{{Name: "data", MountPath: "/data", ReadOnly: true}},
			SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false),
				Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
		}},
		Tolerations: []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
			{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))}},
		Affinity: &corev1.Affinity{
			NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "b"}}},
			}}}},
			PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
				Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname",
					LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web"}}}}},
			}}},
		},
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, MinDomains: ptr(int32(2)),
		}},
		Volumes: []corev1.Volume{
			{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(q("1Gi"))}}},
			{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, DefaultMode: ptr(int32(0o644)),
				Items: []corev1.KeyToPath{{Key: "a", Path: "a.txt"}}}}},
			{Name: "claim", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-web-0"}}},
			{Name: "token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{
				ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr(int64(3607))}}}}}},
		},
		ResourceClaims: []corev1.PodResourceClaim{{Name: "gpu", ResourceClaimName: ptr("gpu-claim")}},
	}
}

func template() corev1.PodTemplateSpec {
	spec := podSpec()
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       spec,
	}
}

var selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}

func objects() map[string]runtime.Object {
	node := "node-1"
	return map[string]runtime.Object{
		// --- core/v1
		"core.v1.pod": &corev1.Pod{
			TypeMeta: tm("v1", "Pod"), ObjectMeta: meta("web-0", "default"), Spec: podSpec(),
			Status: corev1.PodStatus{
				Phase: corev1.PodRunning, QOSClass: corev1.PodQOSBurstable, HostIP: "10.0.0.1", PodIP: "10.244.1.5",
				PodIPs: []corev1.PodIP{{IP: "10.244.1.5"}}, StartTime: &when, NominatedNodeName: "node-2",
				Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: when},
					{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", Message: "c not ready", LastTransitionTime: when}},
				ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Image: "nginx:1.27", ImageID: "sha256:ab", Ready: false, RestartCount: 0,
					Started: ptr(true), State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: when}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: when, FinishedAt: when}}}},
			},
		},
		"core.v1.node": &corev1.Node{
			TypeMeta:   tm("v1", "Node"),
			ObjectMeta: metav1.ObjectMeta{Name: "node-1", Labels: map[string]string{"kubernetes.io/hostname": "node-1", "zone": "a"}},
			Spec: corev1.NodeSpec{PodCIDR: "10.244.1.0/24", PodCIDRs: []string{"10.244.1.0/24"}, ProviderID: "fake://node-1",
				Taints:        []corev1.Taint{{Key: "gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}, {Key: "node.kubernetes.io/unreachable", Effect: corev1.TaintEffectNoExecute, TimeAdded: &when}},
				Unschedulable: true},
			Status: corev1.NodeStatus{
				Capacity:        corev1.ResourceList{corev1.ResourceCPU: q("8"), corev1.ResourcePods: q("110"), corev1.ResourceMemory: q("32Gi")},
				Allocatable:     corev1.ResourceList{corev1.ResourceCPU: q("7800m"), corev1.ResourceMemory: q("30Gi"), corev1.ResourceEphemeralStorage: q("100G")},
				Phase:           corev1.NodeRunning,
				Conditions:      []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", LastHeartbeatTime: when, LastTransitionTime: when}},
				Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.1"}, {Type: corev1.NodeHostName, Address: "node-1"}},
				DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
				NodeInfo: corev1.NodeSystemInfo{MachineID: "m", KubeletVersion: "v1.35.0", OperatingSystem: "linux", Architecture: "amd64",
					ContainerRuntimeVersion: "containerd://2.0.0", KernelVersion: "6.1.0", OSImage: "Debian"},
				Images:          []corev1.ContainerImage{{Names: []string{"nginx:1.27"}, SizeBytes: 67_000_000}},
				VolumesInUse:    []corev1.UniqueVolumeName{"kubernetes.io/csi/ebs^vol-1"},
				VolumesAttached: []corev1.AttachedVolume{{Name: "kubernetes.io/csi/ebs^vol-1", DevicePath: "/dev/xvdb"}},
			},
		},
		"core.v1.namespace": &corev1.Namespace{
			TypeMeta: tm("v1", "Namespace"), ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: map[string]string{"kubernetes.io/metadata.name": "team-a"}},
			Spec:   corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
			Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
		},
		"core.v1.event": &corev1.Event{
			TypeMeta:            tm("v1", "Event"),
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
		"core.v1.service": &corev1.Service{
			TypeMeta: tm("v1", "Service"), ObjectMeta: meta("web", "default"),
			Spec: corev1.ServiceSpec{
				Type: corev1.ServiceTypeLoadBalancer, Selector: map[string]string{"app": "web"},
				Ports: []corev1.ServicePort{{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromString("http"), NodePort: 30080},
					{Name: "metrics", Protocol: corev1.ProtocolTCP, Port: 9090, TargetPort: intstr.FromInt32(9090)}},
				ClusterIP: "10.96.0.10", ClusterIPs: []string{"10.96.0.10"}, IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol},
				IPFamilyPolicy: ptr(corev1.IPFamilyPolicySingleStack), SessionAffinity: corev1.ServiceAffinityNone,
				ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyCluster, InternalTrafficPolicy: ptr(corev1.ServiceInternalTrafficPolicyCluster),
				AllocateLoadBalancerNodePorts: ptr(true),
			},
			Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "192.0.2.10", IPMode: ptr(corev1.LoadBalancerIPModeVIP)}}}},
		},
		"core.v1.endpoints": &corev1.Endpoints{ //nolint:staticcheck // still served
			TypeMeta: tm("v1", "Endpoints"), ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
			Subsets: []corev1.EndpointSubset{{ //nolint:staticcheck
				Addresses:         []corev1.EndpointAddress{{IP: "10.244.1.5", NodeName: &node, TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web-0", UID: "web-0-uid"}}}, //nolint:staticcheck
				NotReadyAddresses: []corev1.EndpointAddress{{IP: "10.244.2.7"}},                                                                                                                          //nolint:staticcheck
				Ports:             []corev1.EndpointPort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}},                                                                                         //nolint:staticcheck
			}},
		},
		"core.v1.configmap": &corev1.ConfigMap{
			TypeMeta: tm("v1", "ConfigMap"), ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "default"},
			Data:       map[string]string{"a": "b", "config.yaml": "key: value\n"},
			BinaryData: map[string][]byte{"blob": {0, 1, 2, 255}},
			Immutable:  ptr(false),
		},
		"core.v1.secret": &corev1.Secret{
			TypeMeta: tm("v1", "Secret"), ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "default"},
			Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"password": []byte("s3cr3t"), "raw": {0, 200}},
			Immutable: ptr(true),
		},
		"core.v1.serviceaccount": &corev1.ServiceAccount{
			TypeMeta: tm("v1", "ServiceAccount"), ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
			Secrets:                      []corev1.ObjectReference{{Name: "web-token"}},
			ImagePullSecrets:             []corev1.LocalObjectReference{{Name: "registry"}},
			AutomountServiceAccountToken: ptr(false),
		},
		"core.v1.persistentvolume": &corev1.PersistentVolume{
			TypeMeta: tm("v1", "PersistentVolume"), ObjectMeta: metav1.ObjectMeta{Name: "pv-1"},
			Spec: corev1.PersistentVolumeSpec{
				Capacity: corev1.ResourceList{corev1.ResourceStorage: q("10Gi")},
				PersistentVolumeSource: corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{
					Driver: "ebs.csi.aws.com", VolumeHandle: "vol-1", FSType: "ext4", VolumeAttributes: map[string]string{"type": "gp3"}}},
				AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				ClaimRef:                      &corev1.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: "default", Name: "data-web-0", UID: "pvc-uid"},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
				StorageClassName:              "fast",
				VolumeMode:                    ptr(corev1.PersistentVolumeFilesystem),
				NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
					MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "topology.kubernetes.io/zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}}}}},
			},
			Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound, LastPhaseTransitionTime: &when},
		},
		"core.v1.persistentvolumeclaim": &corev1.PersistentVolumeClaim{
			TypeMeta: tm("v1", "PersistentVolumeClaim"), ObjectMeta: metav1.ObjectMeta{Name: "data-web-0", Namespace: "default"},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: q("10Gi")}},
				StorageClassName: ptr("fast"), VolumeMode: ptr(corev1.PersistentVolumeFilesystem), VolumeName: "pv-1",
				Selector: selector,
			},
			Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Capacity: corev1.ResourceList{corev1.ResourceStorage: q("10Gi")}},
		},
		"core.v1.replicationcontroller": &corev1.ReplicationController{
			TypeMeta: tm("v1", "ReplicationController"), ObjectMeta: meta("legacy", "default"),
			Spec: corev1.ReplicationControllerSpec{Replicas: ptr(int32(0)), MinReadySeconds: 5,
				Selector: map[string]string{"app": "web"}, Template: ptr(template())},
			Status: corev1.ReplicationControllerStatus{Replicas: 0, ObservedGeneration: 3},
		},
		// --- apps/v1
		"apps.v1.deployment": &appsv1.Deployment{
			TypeMeta: tm("apps/v1", "Deployment"), ObjectMeta: meta("web", "default"),
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr(int32(3)), Selector: selector, Template: template(),
				Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: ptr(intstr.FromInt32(0)), MaxSurge: ptr(intstr.FromString("25%"))}},
				RevisionHistoryLimit: ptr(int32(10)), ProgressDeadlineSeconds: ptr(int32(600)), Paused: true,
			},
			Status: appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 2, UnavailableReplicas: 1,
				Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, LastUpdateTime: when, LastTransitionTime: when, Reason: "MinimumReplicasAvailable"}}},
		},
		"apps.v1.replicaset": &appsv1.ReplicaSet{
			TypeMeta: tm("apps/v1", "ReplicaSet"), ObjectMeta: meta("web-5d4f", "default"),
			Spec:   appsv1.ReplicaSetSpec{Replicas: ptr(int32(3)), Selector: selector, Template: template()},
			Status: appsv1.ReplicaSetStatus{Replicas: 3, FullyLabeledReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, ObservedGeneration: 3, TerminatingReplicas: ptr(int32(0))},
		},
		"apps.v1.statefulset": &appsv1.StatefulSet{
			TypeMeta: tm("apps/v1", "StatefulSet"), ObjectMeta: meta("db", "default"),
			Spec: appsv1.StatefulSetSpec{
				Replicas: ptr(int32(2)), Selector: selector, Template: template(), ServiceName: "db",
				PodManagementPolicy: appsv1.ParallelPodManagement,
				UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
					RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr(int32(0)), MaxUnavailable: ptr(intstr.FromString("50%"))}},
				VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}, Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: q("1Gi")}}}}},
				PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
					WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType, WhenScaled: appsv1.DeletePersistentVolumeClaimRetentionPolicyType},
				Ordinals: &appsv1.StatefulSetOrdinals{Start: 0},
			},
			Status: appsv1.StatefulSetStatus{Replicas: 2, ReadyReplicas: 1, CurrentRevision: "db-7b", UpdateRevision: "db-7b", CollisionCount: ptr(int32(0))},
		},
		"apps.v1.daemonset": &appsv1.DaemonSet{
			TypeMeta: tm("apps/v1", "DaemonSet"), ObjectMeta: meta("agent", "kube-system"),
			Spec: appsv1.DaemonSetSpec{Selector: selector, Template: template(),
				UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
					RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr(intstr.FromInt32(1)), MaxSurge: ptr(intstr.FromInt32(0))}},
				RevisionHistoryLimit: ptr(int32(10))},
			Status: appsv1.DaemonSetStatus{CurrentNumberScheduled: 4, NumberMisscheduled: 0, DesiredNumberScheduled: 4, NumberReady: 4},
		},
		// --- batch/v1
		"batch.v1.job": &batchv1.Job{
			TypeMeta: tm("batch/v1", "Job"), ObjectMeta: meta("pi", "default"),
			Spec: batchv1.JobSpec{
				Parallelism: ptr(int32(2)), Completions: ptr(int32(4)), BackoffLimit: ptr(int32(6)),
				ActiveDeadlineSeconds: ptr(int64(600)), TTLSecondsAfterFinished: ptr(int32(0)), Suspend: ptr(false),
				CompletionMode: ptr(batchv1.IndexedCompletion), ManualSelector: ptr(false), Selector: selector,
				Template: func() corev1.PodTemplateSpec {
					t := template()
					t.Spec.RestartPolicy = corev1.RestartPolicyNever
					return t
				}(),
				PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{Action: batchv1.PodFailurePolicyActionFailJob,
					OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}}}},
			},
			Status: batchv1.JobStatus{StartTime: &when, Active: 2, Succeeded: 1, Ready: ptr(int32(2)), CompletedIndexes: "0",
				Conditions:              []batchv1.JobCondition{{Type: batchv1.JobSuspended, Status: corev1.ConditionFalse, LastProbeTime: when, LastTransitionTime: when}},
				UncountedTerminatedPods: &batchv1.UncountedTerminatedPods{Succeeded: []types.UID{"p1"}}},
		},
		// --- policy/v1
		"policy.v1.poddisruptionbudget": &policyv1.PodDisruptionBudget{
			TypeMeta: tm("policy/v1", "PodDisruptionBudget"), ObjectMeta: meta("web", "default"),
			Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(intstr.FromString("50%")), Selector: selector,
				UnhealthyPodEvictionPolicy: ptr(policyv1.AlwaysAllow)},
			Status: policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 3, DisruptionsAllowed: 0, CurrentHealthy: 2, DesiredHealthy: 2, ExpectedPods: 3,
				DisruptedPods: map[string]metav1.Time{"web-0": when},
				Conditions: []metav1.Condition{{Type: "DisruptionAllowed", Status: metav1.ConditionFalse, ObservedGeneration: 3,
					LastTransitionTime: when, Reason: "InsufficientPods", Message: "not enough"}}},
		},
		"policy.v1.eviction": &policyv1.Eviction{
			TypeMeta:      tm("policy/v1", "Eviction"),
			ObjectMeta:    metav1.ObjectMeta{Name: "web-0", Namespace: "default"},
			DeleteOptions: &metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(0)), Preconditions: &metav1.Preconditions{UID: ptr(types.UID("web-0-uid"))}},
		},
		// --- storage.k8s.io/v1
		"storage.k8s.io.v1.storageclass": &storagev1.StorageClass{
			TypeMeta: tm("storage.k8s.io/v1", "StorageClass"), ObjectMeta: metav1.ObjectMeta{Name: "fast"},
			Provisioner: "ebs.csi.aws.com", Parameters: map[string]string{"type": "gp3"},
			ReclaimPolicy: ptr(corev1.PersistentVolumeReclaimRetain), MountOptions: []string{"debug"},
			AllowVolumeExpansion: ptr(false), VolumeBindingMode: ptr(storagev1.VolumeBindingWaitForFirstConsumer),
			AllowedTopologies: []corev1.TopologySelectorTerm{{MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{{Key: "zone", Values: []string{"a"}}}}},
		},
		"storage.k8s.io.v1.csinode": &storagev1.CSINode{
			TypeMeta: tm("storage.k8s.io/v1", "CSINode"), ObjectMeta: metav1.ObjectMeta{Name: "node-1"},
			Spec: storagev1.CSINodeSpec{Drivers: []storagev1.CSINodeDriver{{Name: "ebs.csi.aws.com", NodeID: "i-123",
				TopologyKeys: []string{"topology.ebs.csi.aws.com/zone"}, Allocatable: &storagev1.VolumeNodeResources{Count: ptr(int32(25))}}}},
		},
		"storage.k8s.io.v1.csidriver": &storagev1.CSIDriver{
			TypeMeta: tm("storage.k8s.io/v1", "CSIDriver"), ObjectMeta: metav1.ObjectMeta{Name: "ebs.csi.aws.com"},
			Spec: storagev1.CSIDriverSpec{AttachRequired: ptr(true), PodInfoOnMount: ptr(false), StorageCapacity: ptr(true),
				VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent},
				FSGroupPolicy:        ptr(storagev1.FileFSGroupPolicy), RequiresRepublish: ptr(false), SELinuxMount: ptr(false),
				TokenRequests: []storagev1.TokenRequest{{Audience: "sts", ExpirationSeconds: ptr(int64(3600))}}},
		},
		"storage.k8s.io.v1.csistoragecapacity": &storagev1.CSIStorageCapacity{
			TypeMeta: tm("storage.k8s.io/v1", "CSIStorageCapacity"), ObjectMeta: metav1.ObjectMeta{Name: "csisc-abc", Namespace: "kube-system"},
			NodeTopology:     &metav1.LabelSelector{MatchLabels: map[string]string{"topology.ebs.csi.aws.com/zone": "a"}},
			StorageClassName: "fast", Capacity: ptr(q("100Gi")), MaximumVolumeSize: ptr(q("16Ti")),
		},
		"storage.k8s.io.v1.volumeattachment": &storagev1.VolumeAttachment{
			TypeMeta: tm("storage.k8s.io/v1", "VolumeAttachment"), ObjectMeta: metav1.ObjectMeta{Name: "csi-123"},
			Spec: storagev1.VolumeAttachmentSpec{Attacher: "ebs.csi.aws.com", NodeName: "node-1",
				Source: storagev1.VolumeAttachmentSource{PersistentVolumeName: ptr("pv-1")}},
			Status: storagev1.VolumeAttachmentStatus{Attached: true, AttachmentMetadata: map[string]string{"devicePath": "/dev/xvdb"},
				DetachError: &storagev1.VolumeError{Time: when, Message: "busy", ErrorCode: ptr(int32(4))}},
		},
		// --- resource.k8s.io/v1
		"resource.k8s.io.v1.resourceclaim": &resourcev1.ResourceClaim{
			TypeMeta: tm("resource.k8s.io/v1", "ResourceClaim"), ObjectMeta: metav1.ObjectMeta{Name: "gpu-claim", Namespace: "default"},
			Spec: resourcev1.ResourceClaimSpec{Devices: resourcev1.DeviceClaim{
				Requests: []resourcev1.DeviceRequest{{Name: "gpu", Exactly: &resourcev1.ExactDeviceRequest{
					DeviceClassName: "gpu.example.com", AllocationMode: resourcev1.DeviceAllocationModeExactCount, Count: 2,
					Selectors:   []resourcev1.DeviceSelector{{CEL: &resourcev1.CELDeviceSelector{Expression: `device.attributes["gpu.example.com"].model == "a100"`}}},
					Tolerations: []resourcev1.DeviceToleration{{Key: "maintenance", Operator: resourcev1.DeviceTolerationOpExists, Effect: resourcev1.DeviceTaintEffectNoSchedule}}}}},
				Constraints: []resourcev1.DeviceConstraint{{Requests: []string{"gpu"}, MatchAttribute: ptr(resourcev1.FullyQualifiedName("gpu.example.com/numa"))}},
				Config: []resourcev1.DeviceClaimConfiguration{{Requests: []string{"gpu"}, DeviceConfiguration: resourcev1.DeviceConfiguration{
					Opaque: &resourcev1.OpaqueDeviceConfiguration{Driver: "gpu.example.com", Parameters: runtime.RawExtension{Raw: []byte(`{"sharing":"timeSlicing"}`)}}}}},
			}},
			Status: resourcev1.ResourceClaimStatus{
				Allocation: &resourcev1.AllocationResult{Devices: resourcev1.DeviceAllocationResult{Results: []resourcev1.DeviceRequestAllocationResult{{
					Request: "gpu", Driver: "gpu.example.com", Pool: "node-1", Device: "gpu-0", AdminAccess: ptr(false)}}},
					NodeSelector:        &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"node-1"}}}}}},
					AllocationTimestamp: &when},
				ReservedFor: []resourcev1.ResourceClaimConsumerReference{{Resource: "pods", Name: "web-0", UID: "web-0-uid"}},
			},
		},
		"resource.k8s.io.v1.resourceslice": &resourcev1.ResourceSlice{
			TypeMeta: tm("resource.k8s.io/v1", "ResourceSlice"), ObjectMeta: metav1.ObjectMeta{Name: "node-1-gpu.example.com-x7"},
			Spec: resourcev1.ResourceSliceSpec{Driver: "gpu.example.com", NodeName: ptr("node-1"),
				Pool: resourcev1.ResourcePool{Name: "node-1", Generation: 1, ResourceSliceCount: 1},
				Devices: []resourcev1.Device{{Name: "gpu-0",
					Attributes: map[resourcev1.QualifiedName]resourcev1.DeviceAttribute{
						"model": {StringValue: ptr("a100")}, "numa": {IntValue: ptr(int64(0))}, "mig": {BoolValue: ptr(false)}, "driverVersion": {VersionValue: ptr("1.2.3")}},
					Capacity: map[resourcev1.QualifiedName]resourcev1.DeviceCapacity{"memory": {Value: q("80Gi")}},
					Taints:   []resourcev1.DeviceTaint{{Key: "maintenance", Value: "soon", Effect: resourcev1.DeviceTaintEffectNoSchedule, TimeAdded: &when}}}},
			},
		},
		"resource.k8s.io.v1.deviceclass": &resourcev1.DeviceClass{
			TypeMeta: tm("resource.k8s.io/v1", "DeviceClass"), ObjectMeta: metav1.ObjectMeta{Name: "gpu.example.com"},
			Spec: resourcev1.DeviceClassSpec{
				Selectors: []resourcev1.DeviceSelector{{CEL: &resourcev1.CELDeviceSelector{Expression: `device.driver == "gpu.example.com"`}}},
				Config: []resourcev1.DeviceClassConfiguration{{DeviceConfiguration: resourcev1.DeviceConfiguration{
					Opaque: &resourcev1.OpaqueDeviceConfiguration{Driver: "gpu.example.com", Parameters: runtime.RawExtension{Raw: []byte(`{"mode":["a",1,true]}`)}}}}},
				ExtendedResourceName: ptr("example.com/gpu"),
			},
		},
		// --- events.k8s.io/v1
		"events.k8s.io.v1.event": &eventsv1.Event{
			TypeMeta:            tm("events.k8s.io/v1", "Event"),
			ObjectMeta:          metav1.ObjectMeta{Name: "web-0.1870a2b3c4d5e6f7", Namespace: "default"},
			EventTime:           micro,
			Series:              &eventsv1.EventSeries{Count: 2, LastObservedTime: micro},
			ReportingController: "default-scheduler",
			ReportingInstance:   "default-scheduler-host_1",
			Action:              "Scheduling",
			Reason:              "FailedScheduling",
			Regarding:           corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web-0", UID: "web-0-uid", APIVersion: "v1", ResourceVersion: "42"},
			Note:                "0/3 nodes are available",
			Type:                "Warning",
		},
		// --- coordination.k8s.io/v1
		"coordination.k8s.io.v1.lease": &coordinationv1.Lease{
			TypeMeta:   tm("coordination.k8s.io/v1", "Lease"),
			ObjectMeta: metav1.ObjectMeta{Name: "kube-scheduler", Namespace: "kube-system"},
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity: ptr("host_1"), LeaseDurationSeconds: ptr(int32(15)),
				AcquireTime: &micro, RenewTime: &micro, LeaseTransitions: ptr(int32(0)),
			},
		},
		// --- scheduling.k8s.io/v1
		"scheduling.k8s.io.v1.priorityclass": &schedulingv1.PriorityClass{
			TypeMeta: tm("scheduling.k8s.io/v1", "PriorityClass"), ObjectMeta: metav1.ObjectMeta{Name: "high"},
			Value: 1000, GlobalDefault: false, Description: "important pods", PreemptionPolicy: ptr(corev1.PreemptNever),
		},
		// --- apiextensions.k8s.io/v1
		"apiextensions.k8s.io.v1.customresourcedefinition": crd(),
		// --- bodies that are not stored kinds
		"core.v1.binding": &corev1.Binding{
			TypeMeta:   tm("v1", "Binding"),
			ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "default", UID: "web-0-uid"},
			Target:     corev1.ObjectReference{Kind: "Node", Name: "node-1"},
		},
		"autoscaling.v1.scale": &autoscalingv1.Scale{
			TypeMeta: tm("autoscaling/v1", "Scale"),
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", ResourceVersion: "42", UID: "web-uid",
				CreationTimestamp: when, Generation: 3, DeletionTimestamp: &when, DeletionGracePeriodSeconds: ptr(int64(0))},
			Spec:   autoscalingv1.ScaleSpec{Replicas: 0},
			Status: autoscalingv1.ScaleStatus{Replicas: 3, Selector: "app=web"},
		},
		"meta.v1.deleteoptions": &metav1.DeleteOptions{
			TypeMeta:           tm("v1", "DeleteOptions"),
			GracePeriodSeconds: ptr(int64(30)),
			Preconditions:      &metav1.Preconditions{UID: ptr(types.UID("web-0-uid")), ResourceVersion: ptr("42")},
			PropagationPolicy:  ptr(metav1.DeletePropagationBackground),
			DryRun:             []string{"All"},
		},
		// client-go encodes DeleteOptions under its client's group version.
		"apps.v1.deleteoptions": &metav1.DeleteOptions{
			TypeMeta:          tm("apps/v1", "DeleteOptions"),
			PropagationPolicy: ptr(metav1.DeletePropagationForeground),
		},
	}
}

func crd() *apiextv1.CustomResourceDefinition {
	str := apiextv1.JSONSchemaProps{Type: "string"}
	schema := apiextv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]apiextv1.JSONSchemaProps{
			"spec": {Type: "object", Required: []string{"size"}, Properties: map[string]apiextv1.JSONSchemaProps{
				"size":     {Type: "integer", Minimum: ptr(1.0), Maximum: ptr(64.0), Default: &apiextv1.JSON{Raw: []byte("3")}},
				"mode":     {Type: "string", Enum: []apiextv1.JSON{{Raw: []byte(`"fast"`)}, {Raw: []byte(`"slow"`)}}, Pattern: "^[a-z]+$"},
				"port":     {XIntOrString: true, AnyOf: []apiextv1.JSONSchemaProps{{Type: "integer"}, {Type: "string"}}},
				"extra":    {Type: "object", XPreserveUnknownFields: ptr(true)},
				"labels":   {Type: "object", AdditionalProperties: &apiextv1.JSONSchemaPropsOrBool{Allows: true, Schema: &str}},
				"closed":   {Type: "object", AdditionalProperties: &apiextv1.JSONSchemaPropsOrBool{Allows: false}},
				"tags":     {Type: "array", Items: &apiextv1.JSONSchemaPropsOrArray{Schema: &str}, XListType: ptr("set"), MaxItems: ptr(int64(8))},
				"pair":     {Type: "array", Items: &apiextv1.JSONSchemaPropsOrArray{JSONSchemas: []apiextv1.JSONSchemaProps{str, {Type: "integer"}}}},
				"ports":    {Type: "array", XListType: ptr("map"), XListMapKeys: []string{"name"}, Items: &apiextv1.JSONSchemaPropsOrArray{Schema: &apiextv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextv1.JSONSchemaProps{"name": str}}}},
				"template": {Type: "object", XEmbeddedResource: true, XPreserveUnknownFields: ptr(true)},
			},
				XValidations: apiextv1.ValidationRules{{Rule: "self.size <= 64", Message: "too big", Reason: ptr(apiextv1.FieldValueInvalid), FieldPath: ".size"}},
				Dependencies: apiextv1.JSONSchemaDependencies{"mode": {Property: []string{"size"}}, "port": {Schema: &apiextv1.JSONSchemaProps{Required: []string{"mode"}}}},
			},
			"status": {Type: "object", Properties: map[string]apiextv1.JSONSchemaProps{"ready": {Type: "boolean", Nullable: true}}},
		},
	}
	return &apiextv1.CustomResourceDefinition{
		TypeMeta:   tm("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
		ObjectMeta: metav1.ObjectMeta{Name: "widgets.example.com"},
		Spec: apiextv1.CustomResourceDefinitionSpec{
			Group: "example.com", Scope: apiextv1.NamespaceScoped,
			Names: apiextv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget", ListKind: "WidgetList",
				ShortNames: []string{"wd"}, Categories: []string{"all"}},
			Versions: []apiextv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextv1.CustomResourceValidation{OpenAPIV3Schema: &schema},
				Subresources: &apiextv1.CustomResourceSubresources{Status: &apiextv1.CustomResourceSubresourceStatus{},
					Scale: &apiextv1.CustomResourceSubresourceScale{SpecReplicasPath: ".spec.size", StatusReplicasPath: ".status.size", LabelSelectorPath: ptr(".status.selector")}},
				AdditionalPrinterColumns: []apiextv1.CustomResourceColumnDefinition{{Name: "Size", Type: "integer", JSONPath: ".spec.size", Priority: 0}},
				SelectableFields:         []apiextv1.SelectableField{{JSONPath: ".spec.mode"}},
			}},
			Conversion:            &apiextv1.CustomResourceConversion{Strategy: apiextv1.NoneConverter},
			PreserveUnknownFields: false,
		},
		Status: apiextv1.CustomResourceDefinitionStatus{
			Conditions:     []apiextv1.CustomResourceDefinitionCondition{{Type: apiextv1.Established, Status: apiextv1.ConditionTrue, LastTransitionTime: when, Reason: "InitialNamesAccepted"}},
			AcceptedNames:  apiextv1.CustomResourceDefinitionNames{Plural: "widgets", Kind: "Widget"},
			StoredVersions: []string{"v1"},
		},
	}
}

func main() {
	scheme := runtime.NewScheme()
	pb := protobuf.NewSerializer(scheme, scheme)
	out := ".."
	for name, obj := range objects() {
		if name != strings.ToLower(name) {
			panic("vector names are lower case: " + name)
		}
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
