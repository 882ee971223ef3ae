package localenv

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"sigs.k8s.io/yaml"
)

// PrometheusOptions configure a Prometheus server started for tests and the demo.
type PrometheusOptions struct {
	// BinDir holds the prometheus binary; $WVA_TOOLS_BIN (or $KUBEBUILDER_ASSETS) when
	// empty.
	BinDir string
	// Dir receives the configuration, the TSDB and the log; a temporary directory,
	// removed by Stop, when empty.
	Dir string
	// ScrapeInterval is how often targets are scraped (and rules evaluated); 1s when
	// zero, so tests see new values within seconds.
	ScrapeInterval time.Duration
	// Targets are the initial targets of the "vllm" job, found through file-based
	// service discovery; SetTargets replaces them while Prometheus runs.
	Targets []ScrapeTarget
	// HonorLabels keeps the labels the targets expose (namespace, pod) instead of
	// renaming them exported_*: for an exporter serving many Pods' series at once.
	HonorLabels bool
	// ConfigYAML, when set, replaces the generated configuration entirely; it may refer
	// to the file-SD file at Prometheus.TargetsFile.
	ConfigYAML string
	// WebConfigYAML, when set, is passed as --web.config.file: tls_server_config for
	// TLS and mutual TLS.
	WebConfigYAML string
	// ClientTLS is the TLS configuration this helper uses to reach Prometheus (readiness,
	// reload, targets) when WebConfigYAML enables TLS; its presence makes URL https.
	ClientTLS *tls.Config
	// ExtraArgs are appended to the command line.
	ExtraArgs []string
	// StartTimeout bounds the wait for /-/ready; 1 minute when zero.
	StartTimeout time.Duration
}

// ScrapeTarget is one endpoint Prometheus scrapes, with the labels it adds to every
// series (e.g. namespace and pod, as Kubernetes service discovery would).
type ScrapeTarget struct {
	// Address is host:port.
	Address string
	// MetricsPath is the path to scrape; /metrics when empty.
	MetricsPath string
	// Labels are added to every series of the target.
	Labels map[string]string
}

// Prometheus is a running Prometheus server.
type Prometheus struct {
	// URL is the base URL of the HTTP API, http or https.
	URL string
	// Dir holds the configuration, data and log.
	Dir string
	// LogPath is the server's log file.
	LogPath string
	// TargetsFile is the file-SD file of the "vllm" job.
	TargetsFile string

	proc    *process
	client  *http.Client
	ownsDir bool
	// bin, args and startTimeout start the same server again (Restart).
	bin          string
	args         []string
	startTimeout time.Duration
}

// StartPrometheus starts Prometheus on a free loopback port with its TSDB in the
// directory, lifecycle API on (for Reload), and waits until it is ready. On error
// nothing is left running.
func StartPrometheus(ctx context.Context, opts PrometheusOptions) (*Prometheus, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Prometheus{Dir: opts.Dir, client: &http.Client{Transport: &http.Transport{TLSClientConfig: opts.ClientTLS}}}
	if p.Dir == "" {
		if p.Dir, err = os.MkdirTemp("", "wva-prometheus-"); err != nil {
			return nil, fmt.Errorf("create Prometheus directory: %w", err)
		}
		p.ownsDir = true
	}
	if err := p.start(ctx, opts); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

func (o PrometheusOptions) withDefaults() (PrometheusOptions, error) {
	if o.BinDir == "" {
		o.BinDir = os.Getenv("WVA_TOOLS_BIN")
	}
	if o.BinDir == "" {
		o.BinDir = os.Getenv("KUBEBUILDER_ASSETS")
	}
	if _, err := os.Stat(filepath.Join(o.BinDir, "prometheus")); err != nil {
		return o, fmt.Errorf("prometheus binary missing from %q (set WVA_TOOLS_BIN, run `make tools`): %w", o.BinDir, err)
	}
	if o.ScrapeInterval <= 0 {
		o.ScrapeInterval = time.Second
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = time.Minute
	}
	return o, nil
}

func (p *Prometheus) start(ctx context.Context, opts PrometheusOptions) error {
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	args, err := p.writeFiles(opts)
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	scheme := "http"
	if opts.ClientTLS != nil {
		scheme = "https"
	}
	p.URL = scheme + "://" + hostPort(port)
	args = append(args, "--web.listen-address="+hostPort(port))
	args = append(args, opts.ExtraArgs...)
	p.bin, p.args, p.startTimeout = filepath.Join(opts.BinDir, "prometheus"), args, opts.StartTimeout
	return p.run(ctx)
}

// run starts the server process and waits until it is ready.
func (p *Prometheus) run(ctx context.Context) error {
	var err error
	if p.proc, err = startProcess("prometheus", p.bin, p.args, p.Dir); err != nil {
		return err
	}
	p.LogPath = p.proc.logPath
	return p.proc.waitFor(ctx, "ready", func() error { return p.get(ctx, "/-/ready") })
}

// Kill ends Prometheus at once (SIGKILL), as a crash or an OOM kill would; its directory
// and TSDB stay for Restart.
func (p *Prometheus) Kill() {
	if p.proc != nil {
		p.proc.kill()
	}
}

// Restart starts a killed or stopped Prometheus again on the same address, with the same
// configuration and TSDB (what it had written before it ended), and waits until it is
// ready: a restarted server, as clients with a fixed URL see it.
func (p *Prometheus) Restart(ctx context.Context) error {
	if p.proc != nil {
		if done, _ := p.proc.exited(); !done {
			return errors.New("restart Prometheus: it is still running")
		}
	}
	ctx, cancel := context.WithTimeout(ctx, p.startTimeout)
	defer cancel()
	return p.run(ctx)
}

// writeFiles writes the configuration, web configuration and targets, returning the
// flags that point at them.
func (p *Prometheus) writeFiles(opts PrometheusOptions) ([]string, error) {
	p.TargetsFile = filepath.Join(p.Dir, "targets.json")
	if err := p.SetTargets(opts.Targets); err != nil {
		return nil, err
	}
	config := opts.ConfigYAML
	if config == "" {
		var err error
		if config, err = generatedConfig(opts, p.TargetsFile); err != nil {
			return nil, err
		}
	}
	configPath := filepath.Join(p.Dir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		return nil, fmt.Errorf("write Prometheus config: %w", err)
	}
	args := []string{
		"--config.file=" + configPath,
		"--storage.tsdb.path=" + filepath.Join(p.Dir, "data"),
		"--web.enable-lifecycle",
		"--log.level=info",
	}
	if opts.WebConfigYAML != "" {
		webPath := filepath.Join(p.Dir, "web.yml")
		if err := os.WriteFile(webPath, []byte(opts.WebConfigYAML), 0o600); err != nil {
			return nil, fmt.Errorf("write Prometheus web config: %w", err)
		}
		args = append(args, "--web.config.file="+webPath)
	}
	return args, nil
}

// generatedConfig is a single "vllm" job over the file-SD targets, scraped and
// re-read every ScrapeInterval.
func generatedConfig(opts PrometheusOptions, targetsFile string) (string, error) {
	interval := opts.ScrapeInterval.String()
	cfg := map[string]any{
		"global": map[string]any{"scrape_interval": interval, "scrape_timeout": interval, "evaluation_interval": interval},
		"scrape_configs": []any{map[string]any{
			"job_name":        "vllm",
			"honor_labels":    opts.HonorLabels,
			"file_sd_configs": []any{map[string]any{"files": []string{targetsFile}, "refresh_interval": interval}},
		}},
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("encode Prometheus config: %w", err)
	}
	return string(out), nil
}

// SetTargets replaces the "vllm" job's targets. The file is replaced atomically, and
// Prometheus notices within a refresh interval.
func (p *Prometheus) SetTargets(targets []ScrapeTarget) error {
	return WriteTargets(p.TargetsFile, targets)
}

// WriteTargets replaces a file-SD file atomically with the targets; Prometheus picks the
// change up within its refresh interval.
func WriteTargets(path string, targets []ScrapeTarget) error {
	type group struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels,omitempty"`
	}
	groups := make([]group, 0, len(targets))
	for _, t := range targets {
		labels := map[string]string{}
		for k, v := range t.Labels {
			labels[k] = v
		}
		if t.MetricsPath != "" {
			labels["__metrics_path__"] = t.MetricsPath
		}
		groups = append(groups, group{Targets: []string{t.Address}, Labels: labels})
	}
	data, err := json.Marshal(groups)
	if err != nil {
		return fmt.Errorf("encode Prometheus targets: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write Prometheus targets: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write Prometheus targets: %w", err)
	}
	return nil
}

// Reload asks Prometheus to re-read its configuration (POST /-/reload).
func (p *Prometheus) Reload(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL+"/-/reload", nil)
	if err != nil {
		return fmt.Errorf("reload Prometheus: %w", err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("reload Prometheus: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reload Prometheus: status %d", resp.StatusCode)
	}
	return nil
}

// WaitForTargets waits until n targets are active and their last scrape succeeded.
func (p *Prometheus) WaitForTargets(ctx context.Context, n int) error {
	client, err := api.NewClient(api.Config{Address: p.URL, Client: p.client})
	if err != nil {
		return fmt.Errorf("prometheus client: %w", err)
	}
	v1 := promv1.NewAPI(client)
	return p.proc.waitFor(ctx, strconv.Itoa(n)+" targets up", func() error {
		res, err := v1.Targets(ctx)
		if err != nil {
			return err
		}
		up := 0
		for _, t := range res.Active {
			if t.Health == promv1.HealthGood {
				up++
			}
		}
		if up != n {
			return fmt.Errorf("%d of %d active targets up, want %d", up, len(res.Active), n)
		}
		return nil
	})
}

// Stop ends Prometheus and removes its directory if StartPrometheus made it.
func (p *Prometheus) Stop() {
	if p.proc != nil {
		p.proc.stop(10 * time.Second)
	}
	if p.ownsDir {
		_ = os.RemoveAll(p.Dir)
	}
}

// Exited reports whether the server has ended.
func (p *Prometheus) Exited() bool {
	done, _ := p.proc.exited()
	return done
}

func (p *Prometheus) get(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+path, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("get " + path + ": status " + strconv.Itoa(resp.StatusCode))
	}
	return nil
}
