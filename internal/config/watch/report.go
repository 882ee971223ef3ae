package watch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/internal/config"
)

// Event reasons this package emits, as operators filter them with
// kubectl get events --field-selector reason=<reason>.
const (
	// ReasonImmutableConfigChangeRejected: a ConfigMap tried to change a restart-only setting.
	ReasonImmutableConfigChangeRejected = "ImmutableConfigChangeRejected"
	// ReasonInvalidConfigRejected: a ConfigMap update was invalid and nothing of it applied.
	ReasonInvalidConfigRejected = "InvalidConfigRejected"
	// ReasonInvalidConfigEntry: one entry of a ConfigMap was invalid and skipped.
	ReasonInvalidConfigEntry = "InvalidConfigEntry"
	// ReasonConfigMapValueShadowed (Normal): a mutable key changed in the ConfigMap has no
	// effect because a flag or an environment variable sets it.
	ReasonConfigMapValueShadowed = "ConfigMapValueShadowed"
	// ReasonLegacyConfigMapShadowed (Warning): the legacy capacity-scaling-config exists
	// next to saturation-scaling-config, which wins whole, so nothing of it applies.
	ReasonLegacyConfigMapShadowed = "LegacyConfigMapShadowed"
)

// Log messages the configuration guide tells operators to grep for.
const (
	// LogIntervalUpdated is logged with keys old and new when GLOBAL_OPT_INTERVAL changes.
	LogIntervalUpdated = "Updated optimization interval"
	// LogSaturationUpdated is logged with keys oldEntries and newEntries when the saturation
	// ConfigMap changes.
	LogSaturationUpdated = "Updated saturation config"
	// LogSkippedEntry is logged with keys configMap, key and rule for every invalid entry
	// skipped, however many an edit holds.
	LogSkippedEntry = "Warning: skipped invalid config entry"
	// LogScaleToZeroUpdated is logged with keys oldEntries and newEntries when the
	// scale-to-zero ConfigMap changes.
	LogScaleToZeroUpdated = "Updated scale-to-zero config"
	// LogServiceClassUpdated is logged with keys oldEntries and newEntries when the service
	// class ConfigMap changes.
	LogServiceClassUpdated = "Updated service class config"
	// LogPerformancePriorUpdated is logged with keys oldEntries and newEntries when the
	// performance prior ConfigMap changes.
	LogPerformancePriorUpdated = "Updated performance prior config"
	// LogMainKeyUpdated is logged with keys key, old and new when a mutable key of the main
	// ConfigMap other than GLOBAL_OPT_INTERVAL changes.
	LogMainKeyUpdated = "Updated configuration"
	// LogImmutableRejected is logged, with a Warning event, when a ConfigMap tries to change
	// a restart-only setting.
	LogImmutableRejected = "Attempted to change immutable parameters"
	// LogLegacySaturationShadowed is logged, with a Warning event on the legacy ConfigMap,
	// when capacity-scaling-config exists but saturation-scaling-config is read instead.
	LogLegacySaturationShadowed = "Warning: legacy saturation ConfigMap ignored, saturation-scaling-config is in force"
)

// UnsampledMessages are the configuration log messages that must reach the log every time:
// the documented one line per skipped entry, however many entries an edit breaks.
func UnsampledMessages() []string {
	return []string{LogSkippedEntry}
}

// handle applies one ConfigMap's current content to the store and reports the outcome.
func (w *Watcher) handle(ctx context.Context, name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	logger := log.FromContext(ctx).WithValues("namespace", w.ns)
	switch name {
	case w.main:
		content, obj := w.get(name)
		upd, err := w.store.ApplyMain(content)
		w.reportMain(ctx, obj, name, upd, err)
	case config.SaturationConfigMapName, config.LegacySaturationConfigMapName:
		primary, pobj := w.get(config.SaturationConfigMapName)
		legacy, lobj := w.get(config.LegacySaturationConfigMapName)
		obj := pobj
		if !primary.Present {
			obj = lobj
		}
		upd := w.store.ApplySaturation(primary, legacy)
		if upd.Changed {
			logger.Info(LogSaturationUpdated, "oldEntries", upd.OldEntries, "newEntries", upd.NewEntries,
				"source", sourceName(upd.ConfigMap, "built-in defaults"))
		}
		w.reportSkipped(ctx, obj, upd.Skipped)
		w.reportLegacyShadowed(ctx, primary.Present, lobj)
	case config.ScaleToZeroConfigMapName:
		content, obj := w.get(name)
		upd := w.store.ApplyScaleToZero(content)
		if upd.Changed {
			logger.Info(LogScaleToZeroUpdated, "oldEntries", upd.OldEntries, "newEntries", upd.NewEntries,
				"source", sourceName(upd.ConfigMap, "WVA_SCALE_TO_ZERO only"))
		}
		w.reportSkipped(ctx, obj, upd.Skipped)
	case config.ServiceClassConfigMapName:
		content, obj := w.get(name)
		upd, err := w.store.ApplyServiceClasses(content)
		if err != nil {
			logger.Error(err, "Rejected invalid service class config", "configMap", name)
			w.event(obj, corev1.EventTypeWarning, ReasonInvalidConfigRejected, err.Error())
			return
		}
		if upd.Changed {
			logger.Info(LogServiceClassUpdated, "oldEntries", upd.OldEntries, "newEntries", upd.NewEntries)
		}
		w.reportSkipped(ctx, obj, upd.Skipped)
	case config.PerformancePriorConfigMapName:
		content, obj := w.get(name)
		upd := w.store.ApplyPerformancePriors(content)
		if upd.Changed {
			logger.Info(LogPerformancePriorUpdated, "oldEntries", upd.OldEntries, "newEntries", upd.NewEntries,
				"source", sourceName(upd.ConfigMap, "none: learning starts from the first window"))
		}
		w.reportSkipped(ctx, obj, upd.Skipped)
	}
}

// reportLegacyShadowed tells, once per version of the legacy ConfigMap, that it exists but
// is not read because saturation-scaling-config exists: the chart and kustomize always ship
// the current name, so an edit to the legacy one would otherwise have no effect and no trace.
func (w *Watcher) reportLegacyShadowed(ctx context.Context, primaryPresent bool, legacy *corev1.ConfigMap) {
	if !primaryPresent || legacy == nil {
		w.legacyWarned = ""
		return
	}
	if legacy.ResourceVersion == w.legacyWarned {
		return
	}
	w.legacyWarned = legacy.ResourceVersion
	keys := make([]string, 0, len(legacy.Data))
	for k := range legacy.Data {
		keys = append(keys, fmt.Sprintf("%q", k))
	}
	slices.Sort(keys)
	log.FromContext(ctx).Info(LogLegacySaturationShadowed, "namespace", w.ns,
		"configMap", config.LegacySaturationConfigMapName, "shadowedBy", config.SaturationConfigMapName, "entries", keys)
	w.event(legacy, corev1.EventTypeWarning, ReasonLegacyConfigMapShadowed, fmt.Sprintf(
		"ConfigMap %s is not read: %s exists and is the only saturation ConfigMap in force, so its entries (%s) have no effect; "+
			"move them into %s (kubectl edit configmap %s) and delete %s",
		config.LegacySaturationConfigMapName, config.SaturationConfigMapName, strings.Join(keys, ", "),
		config.SaturationConfigMapName, config.SaturationConfigMapName, config.LegacySaturationConfigMapName))
}

// reportMain logs applied changes with old and new values, and logs and raises a Warning
// event for rejected immutable changes and invalid updates.
func (w *Watcher) reportMain(ctx context.Context, obj *corev1.ConfigMap, name string, upd config.MainUpdate, err error) {
	logger := log.FromContext(ctx).WithValues("namespace", w.ns, "configMap", name)
	for _, c := range upd.Applied {
		if c.Key == config.KeyGlobalOptInterval {
			logger.Info(LogIntervalUpdated, "old", c.Old, "new", c.New)
			continue
		}
		logger.Info(LogMainKeyUpdated, "key", c.Key, "old", c.Old, "new", c.New)
	}
	if len(upd.Rejected) > 0 {
		keys := upd.RejectedKeys()
		changes := make([]string, len(upd.Rejected))
		for i, c := range upd.Rejected {
			changes[i] = fmt.Sprintf("%s: %q -> %q", c.Key, c.Old, c.New)
			if c.ShadowedBy != "" {
				changes[i] += " (set by " + c.ShadowedBy + ")"
			}
		}
		w.event(obj, corev1.EventTypeWarning, ReasonImmutableConfigChangeRejected, rejectedNote(upd.Rejected))
		logger.Error(errors.New("immutable parameters require a restart"), LogImmutableRejected,
			"keys", keys, "changes", changes)
	}
	if len(upd.Shadowed) > 0 {
		// One event for the whole edit: events about one object version with the same
		// reason are merged into a series that keeps the first one's message.
		notes := make([]string, len(upd.Shadowed))
		for i, c := range upd.Shadowed {
			logger.Info("ConfigMap change has no effect: a flag or environment variable sets this key",
				"key", c.Key, "configMapValue", c.New, "inForce", c.Old, "setBy", c.ShadowedBy)
			notes[i] = fmt.Sprintf("%s changed to %q in this ConfigMap has no effect: %s sets it and wins over the ConfigMap "+
				"(flag > environment > ConfigMap > default), so %q stays in force; remove it there to manage the key here",
				c.Key, c.New, c.ShadowedBy, c.Old)
		}
		w.event(obj, corev1.EventTypeNormal, ReasonConfigMapValueShadowed, strings.Join(notes, "; "))
	}
	if len(upd.Ignored) > 0 {
		logger.Info("Ignoring ConfigMap keys that are not read from a ConfigMap", "keys", upd.Ignored)
	}
	if err != nil {
		logger.Error(err, "Rejected invalid configuration update; the configuration in force stays")
		w.event(obj, corev1.EventTypeWarning, ReasonInvalidConfigRejected, err.Error())
	}
}

// reportSkipped logs a warning per skipped entry, naming key and rule, and raises one
// event for the edit naming every skipped entry: the events API merges events of one reason
// about one ConfigMap version into a series that keeps only the first message, so an event
// per entry would hide all but one of them.
func (w *Watcher) reportSkipped(ctx context.Context, obj *corev1.ConfigMap, skipped []*config.EntryError) {
	logger := log.FromContext(ctx).WithValues("namespace", w.ns)
	for _, e := range skipped {
		logger.Info(LogSkippedEntry, "configMap", e.ConfigMap, "key", e.Key, "rule", e.Rule)
	}
	if len(skipped) > 0 {
		w.event(obj, corev1.EventTypeWarning, ReasonInvalidConfigEntry, skippedNote(skipped))
	}
}

// skippedNote is the InvalidConfigEntry message. One entry: the entry's own error. Several:
// every entry's key first (so a note cut at the events API's size limit still names them
// all), then each entry's rule with value and fix.
func skippedNote(skipped []*config.EntryError) string {
	if len(skipped) == 1 {
		return skipped[0].Error()
	}
	keys := make([]string, len(skipped))
	rules := make([]string, len(skipped))
	for i, e := range skipped {
		keys[i] = fmt.Sprintf("%q", e.Key)
		rules[i] = fmt.Sprintf("entry %q: %s", e.Key, e.Rule)
	}
	return fmt.Sprintf("ConfigMap %s: %d entries skipped (%s), the others apply: %s",
		skipped[0].ConfigMap, len(skipped), strings.Join(keys, ", "), strings.Join(rules, "; "))
}

// rejectedNote is the ImmutableConfigChangeRejected message: the keys, and for each key a
// flag or environment variable sets, that it does (a restart would not apply it either).
func rejectedNote(rejected []config.Change) string {
	keys := make([]string, len(rejected))
	var shadowed []string
	for i, c := range rejected {
		keys[i] = c.Key
		if c.ShadowedBy != "" {
			shadowed = append(shadowed, fmt.Sprintf("%s is set by %s, which wins over the ConfigMap", c.Key, c.ShadowedBy))
		}
	}
	note := fmt.Sprintf("Attempted to change immutable parameters %s: the running values stay; restart the controller to apply them",
		strings.Join(keys, ", "))
	if len(shadowed) > 0 {
		note += "; " + strings.Join(shadowed, "; ") + ", so a restart would not apply the ConfigMap's value either"
	}
	return note
}

// maxNote is the events API's limit on an event's note, in bytes; cutMark ends a note cut
// to fit and points to where the whole of it is.
const (
	maxNote = 1024
	cutMark = " ... (cut; the controller log has every detail)"
)

// event raises an event on a ConfigMap, if there is a recorder and an object, and only in
// the leader: every replica applies and logs the change, one tells the cluster.
func (w *Watcher) event(obj *corev1.ConfigMap, eventType, reason, note string) {
	if w.recorder == nil || obj == nil || !w.leading() {
		return
	}
	ref := obj.DeepCopy()
	ref.APIVersion, ref.Kind = "v1", "ConfigMap" // objects from a cache carry no type
	w.recorder.Eventf(ref, nil, eventType, reason, "ReloadConfig", "%s", fitNote(note))
}

// fitNote cuts a note longer than the events API accepts, never through a character, and
// says it was cut.
func fitNote(note string) string {
	if len(note) <= maxNote {
		return note
	}
	return strings.ToValidUTF8(note[:maxNote-len(cutMark)], "") + cutMark
}

// sourceName names the source in force for logs.
func sourceName(configMap, none string) string {
	if configMap == "" {
		return none
	}
	return configMap
}
