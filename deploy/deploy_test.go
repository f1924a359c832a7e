// Package deploy holds no code: its tests check the deployment files beside
// them (Kubernetes manifests, Prometheus rules, the Grafana dashboard, the
// Dockerfile) with the parsers their consumers use. It is a module of its
// own so k8s.io and Prometheus never enter hashgate's own go.mod.
package deploy

import (
	"encoding/json"
	"go/ast"
	goparser "go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	promql "github.com/prometheus/prometheus/promql/parser"
	yaml "go.yaml.in/yaml/v2"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	sigsyaml "sigs.k8s.io/yaml"
)

func decodeStrict(t *testing.T, name string, into any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("kubernetes", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := sigsyaml.UnmarshalStrict(b, into); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestKubernetes decodes each manifest strictly (an unknown or misspelt
// field fails) into k8s.io/api's types and checks what the edge needs.
func TestKubernetes(t *testing.T) {
	var d appsv1.Deployment
	decodeStrict(t, "deployment.yaml", &d)
	var svc corev1.Service
	decodeStrict(t, "service.yaml", &svc)
	var hpa autoscalingv2.HorizontalPodAutoscaler
	decodeStrict(t, "hpa.yaml", &hpa)
	var pdb policyv1.PodDisruptionBudget
	decodeStrict(t, "pdb.yaml", &pdb)
	var sec corev1.Secret
	decodeStrict(t, "secret.yaml", &sec)
	var cm corev1.ConfigMap
	decodeStrict(t, "configmap.yaml", &cm)

	labels := d.Spec.Template.Labels
	for name, sel := range map[string]map[string]string{
		"deployment": d.Spec.Selector.MatchLabels, "service": svc.Spec.Selector, "pdb": pdb.Spec.Selector.MatchLabels,
	} {
		for k, v := range sel {
			if labels[k] != v {
				t.Errorf("%s selector %s=%s does not select the pods (%v)", name, k, v, labels)
			}
		}
	}
	if len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("want one container, have %d", len(d.Spec.Template.Spec.Containers))
	}
	c := d.Spec.Template.Spec.Containers[0]
	if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" {
		t.Errorf("readiness probe %+v, want GET /readyz", p)
	}
	if p := c.LivenessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness probe %+v, want GET /healthz", p)
	}
	if sc := d.Spec.Template.Spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("pod security context %+v: want runAsNonRoot and a non-zero runAsUser", sc)
	}
	// Memory: README's measured reload peak at 1e7 entries is 1732 MiB
	// (bench/edge.sh); the request must cover it, the limit exceed it.
	req := c.Resources.Requests[corev1.ResourceMemory]
	lim := c.Resources.Limits[corev1.ResourceMemory]
	const peak = 1732 << 20
	if req.Value() < peak || lim.Value() <= req.Value() {
		t.Errorf("memory request %s, limit %s: want request >= the 1732 MiB reload peak and limit above it", req.String(), lim.String())
	}
	if _, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok {
		t.Error("no CPU request: the HPA's utilisation target needs one")
	}
	keyFromSecret := false
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == sec.Name {
			for _, m := range c.VolumeMounts {
				if m.Name == v.Name && strings.Contains(strings.Join(c.Args, " "), "--edge-key="+m.MountPath+"/edge.key") {
					keyFromSecret = true
				}
			}
		}
	}
	if !keyFromSecret {
		t.Errorf("--edge-key does not point into the %s Secret's volume", sec.Name)
	}
	if _, ok := sec.StringData["edge.key"]; !ok {
		t.Error("the Secret has no edge.key")
	}
	if hpa.Spec.ScaleTargetRef.Name != d.Name || len(hpa.Spec.Metrics) != 1 || hpa.Spec.Metrics[0].Resource == nil || hpa.Spec.Metrics[0].Resource.Name != corev1.ResourceCPU {
		t.Errorf("HPA %+v: want it to scale %s on CPU", hpa.Spec, d.Name)
	}
	if min := hpa.Spec.MinReplicas; min == nil || pdb.Spec.MinAvailable == nil || int(*min) <= pdb.Spec.MinAvailable.IntValue() {
		t.Errorf("HPA minReplicas must exceed the PDB's minAvailable, or a drain waits forever")
	}
}

// edgeMetrics are the metric families the edge writes, read from the string
// literals of edge/*.go (not its tests), and the label names those literals use.
func edgeMetrics(t *testing.T) (names map[string]bool, labels map[string]bool) {
	t.Helper()
	files, err := filepath.Glob("../edge/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("edge sources: %v (%d files)", err, len(files))
	}
	names, labels = map[string]bool{}, map[string]bool{}
	name := regexp.MustCompile(`^hashgate_edge_[a-z_]+[a-z]`)
	label := regexp.MustCompile(`([a-z_]+)="?$`)
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := goparser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if m := name.FindString(s); m != "" {
				names[m] = true
			}
			for _, part := range regexp.MustCompile(`[{,]`).Split(s, -1) {
				if m := label.FindStringSubmatch(part); m != nil && strings.Contains(s, "=") {
					labels[m[1]] = true
				}
			}
			return true
		})
	}
	if !names["hashgate_edge_allowlist_hits_total"] || !names["hashgate_edge_requests_total"] {
		t.Fatalf("edge metrics read from the code look wrong: %v", names)
	}
	return names, labels
}

// checkExpr parses expr with Prometheus' parser and checks every metric and
// label it names against the edge's.
func checkExpr(t *testing.T, where, expr string, names, labels map[string]bool) {
	t.Helper()
	e, err := promql.NewParser(promql.Options{}).ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	for _, sel := range promql.ExtractSelectors(e) {
		for _, m := range sel {
			switch {
			case m.Name == "__name__":
				metric := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m.Value, "_bucket"), "_sum"), "_count")
				// up is Prometheus' own; process_* and go_* the metrics library's, which the edge writes too.
				if metric != "up" && !strings.HasPrefix(metric, "process_") && !strings.HasPrefix(metric, "go_") && !names[metric] {
					t.Errorf("%s: metric %s is not one the edge exports", where, m.Value)
				}
			case m.Name == "job" || m.Name == "instance" || m.Name == "le":
			case !labels[m.Name]:
				t.Errorf("%s: label %s is not one the edge writes", where, m.Name)
			}
		}
	}
}

func TestAlertRules(t *testing.T) {
	names, labels := edgeMetrics(t)
	b, err := os.ReadFile("prometheus/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.UnmarshalStrict(b, &rules); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			seen[r.Alert] = true
			checkExpr(t, r.Alert, r.Expr, names, labels)
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("%s: no severity or summary", r.Alert)
			}
		}
	}
	for _, want := range []string{"HashgateReleaseNearExpiry", "HashgateReloadFailures", "HashgateMatchRateSpike", "HashgateAllowlistHits", "HashgateServerErrors"} {
		if !seen[want] {
			t.Errorf("no alert %s", want)
		}
	}
}

func TestGrafanaDashboard(t *testing.T) {
	names, labels := edgeMetrics(t)
	b, err := os.ReadFile("grafana/hashgate-edge.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	// Grafana's variables, as Grafana would substitute them.
	vars := strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h", "${instance:regex}", ".*", "$instance", ".*", "$job", "hashgate-edge")
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			if tg.Expr == "" {
				continue
			}
			n++
			checkExpr(t, p.Title, vars.Replace(tg.Expr), names, labels)
		}
	}
	if n < 5 {
		t.Errorf("only %d queries in the dashboard", n)
	}
}

// TestDockerfile checks the images: the root Dockerfile is the distroless
// one, built as `make static` builds; both it and Dockerfile.full run as a
// numeric non-root USER with a HEALTHCHECK on /readyz.
func TestDockerfile(t *testing.T) {
	read := func(path string) string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, path := range []string{"../Dockerfile", "docker/Dockerfile.full"} {
		s := read(path)
		user := regexp.MustCompile(`(?m)^USER\s+(\d+)`).FindStringSubmatch(s)
		if user == nil || user[1] == "0" {
			t.Errorf("%s: USER %v: want a numeric non-root user", path, user)
		}
		if !regexp.MustCompile(`(?m)^HEALTHCHECK .*\n?.*CMD .*probe.*/readyz`).MatchString(s) {
			t.Errorf("%s: no HEALTHCHECK probing /readyz", path)
		}
	}
	s, mk := read("../Dockerfile"), read("../Makefile")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath -tags purego"} {
		if !strings.Contains(s, want) || !strings.Contains(mk, want) {
			t.Errorf("Dockerfile and make static differ on %q", want)
		}
	}
	if !strings.Contains(s, "FROM gcr.io/distroless/static") {
		t.Error("the root Dockerfile is not on distroless/static")
	}
	// One copy of each image: a second distroless Dockerfile would drift.
	if _, err := os.Stat("docker/Dockerfile"); err == nil {
		t.Error("deploy/docker/Dockerfile is back beside the root Dockerfile")
	}
}

func TestCompose(t *testing.T) {
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Build *struct {
				Dockerfile string `yaml:"dockerfile"`
			} `yaml:"build"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"edge", "demo"} {
		if _, ok := c.Services[s]; !ok {
			t.Errorf("no %s service", s)
		}
	}
	for name, s := range c.Services {
		if s.Build != nil {
			if _, err := os.Stat(filepath.Join("..", s.Build.Dockerfile)); err != nil {
				t.Errorf("service %s: %v", name, err)
			}
		}
	}
}
