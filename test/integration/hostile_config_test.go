package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestHostileConfigMaps: the saturation ConfigMap of a running manager is replaced by one
// with thousands of entries, then by one holding a value of most of a megabyte (the most
// a ConfigMap holds) and a thousand invalid entries. The thousands of valid entries apply;
// the huge and invalid ones are skipped, each named in a Warning event that stays within
// the events API's limit and in log lines that do not repeat the value; the valid entries
// and the model's own stay in force; the manager never panics and keeps deciding. Before
// the skipped-entry line was exempt from log sampling, 109 of the 1001 lines reached the
// log, and not the huge entry's.
func TestHostileConfigMaps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := newNamespace(t)
	pods := faultVariant(t, ns, 1)
	setLoad(ns, pods, 0.3, 0)
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "saturation-scaling-config"},
		Data:       map[string]string{"default": "kvCacheThreshold: 0.8\n", "llama": "model_id: " + model + "\nkvCacheThreshold: 0.7\n"},
	}
	if err := s.client.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}
	m := ownNamespaceManager(t, ns, "GLOBAL_OPT_INTERVAL=2s")
	waitDecisions(t, m, ns, 0, 2)

	// Thousands of entries, all valid: every one applies.
	const many = 3000
	for i := range many {
		cm.Data[fmt.Sprintf("m%d", i)] = fmt.Sprintf("model_id: org/model-%d\nkvCacheThreshold: 0.75\n", i)
	}
	before := len(m.Log())
	if err := s.client.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`"newEntries":%d`, many+2)
	eventually(t, patience, func() error {
		if len(logLines(m.Log()[before:], `"msg":"Updated saturation config"`, want)) == 0 {
			return fmt.Errorf("no %q log line with %s", "Updated saturation config", want)
		}
		return nil
	})
	waitDecisions(t, m, ns, len(m.Log()), 2)

	// A value of 900 kB and a thousand invalid entries: skipped by name, the rest stays.
	fresh := &corev1.ConfigMap{ObjectMeta: cm.ObjectMeta}
	fresh.ResourceVersion = ""
	fresh.Data = map[string]string{"default": cm.Data["default"], "llama": cm.Data["llama"], "huge": strings.Repeat("x", 900<<10)}
	const invalid = 1000
	for i := range invalid {
		fresh.Data[fmt.Sprintf("bad%d", i)] = fmt.Sprintf("model_id: org/bad-%d\nkvCacheThreshold: 1.7\n", i)
	}
	if err := s.client.Delete(ctx, cm); err != nil {
		t.Fatal(err)
	}
	before = len(m.Log())
	if err := s.client.Create(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	var note string
	eventually(t, patience, func() error {
		var evs corev1.EventList
		if err := s.client.List(ctx, &evs, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range evs.Items {
			if e.Reason == "InvalidConfigEntry" && e.InvolvedObject.UID == fresh.UID {
				note = e.Message
				return nil
			}
		}
		return fmt.Errorf("no InvalidConfigEntry event on the new ConfigMap yet")
	})
	// The note names the entries in order until the events API's 1 kB limit; the log has
	// them all.
	if len(note) > 1024 || !strings.Contains(note, fmt.Sprintf("%d entries skipped", invalid+1)) {
		t.Errorf("event note (%d bytes) %q: want the count of skipped entries within 1 kB", len(note), note)
	}
	eventually(t, patience, func() error {
		if len(logLines(m.Log()[before:], `"msg":"Updated saturation config"`, `"newEntries":2`)) == 0 {
			return fmt.Errorf("no %q log line with the 2 valid entries", "Updated saturation config")
		}
		return nil
	})
	waitDecisions(t, m, ns, len(m.Log()), 2)
	after := m.Log()[before:]
	longest := 0
	for _, l := range strings.Split(after, "\n") {
		longest = max(longest, len(l))
	}
	if longest > 64<<10 {
		t.Errorf("a log line of %d bytes after the huge value: the value is repeated in the log", longest)
	}
	skipped := logLines(after, `"msg":"Warning: skipped invalid config entry"`)
	if strings.Contains(m.Log(), "panic") {
		t.Errorf("the manager's log mentions a panic")
	}
	if len(skipped) != invalid+1 {
		t.Errorf("%d skipped-entry log lines for %d skipped entries: want one per entry", len(skipped), invalid+1)
	}
	huge := logLines(after, `"msg":"Warning: skipped invalid config entry"`, `"key":"huge"`)
	if len(huge) == 0 {
		t.Errorf("no log line names the skipped entry %q", "huge")
	}
	t.Logf("HOSTILE ConfigMaps: %d valid entries applied; a 900 kB value and %d invalid entries: %d skipped-entry log lines (longest log line %d bytes), event note %d bytes: %.300s",
		many+2, invalid, len(skipped), longest, len(note), note)
	if len(huge) > 0 {
		t.Logf("HOSTILE ConfigMaps: the huge entry's log line: %.400s", huge[0])
	}
}
