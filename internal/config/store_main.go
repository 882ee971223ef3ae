package config

import (
	"errors"
	"maps"
)

// Change is one setting's old and new value (secrets and credentials redacted).
type Change struct {
	// Key is the setting.
	Key string
	// Old is the value in force before.
	Old string
	// New is the value the ConfigMap asked for.
	New string
	// ShadowedBy, when not empty, names the higher layer that sets the key and wins over
	// the ConfigMap whatever it says, e.g. "the environment variable GLOBAL_OPT_INTERVAL".
	ShadowedBy string
}

// MainUpdate reports the effect of a new main ConfigMap.
type MainUpdate struct {
	// Applied are changes to mutable keys, now in force.
	Applied []Change
	// Rejected are changes to immutable keys; the running values stay until a restart. A
	// change of a key a flag or environment variable sets is rejected too (with
	// ShadowedBy), since even a restart would not apply it.
	Rejected []Change
	// Shadowed are mutable keys whose ConfigMap value changed without effect, because a
	// flag or environment variable sets them (ShadowedBy); Old is the value in force.
	Shadowed []Change
	// Ignored are keys WVA does not read from a ConfigMap (typos, or flag/env-only settings).
	Ignored []string
}

// RejectedKeys lists the keys of Rejected.
func (u MainUpdate) RejectedKeys() []string {
	keys := make([]string, len(u.Rejected))
	for i, c := range u.Rejected {
		keys[i] = c.Key
	}
	return keys
}

// rawConfigMap is a key's text in the main ConfigMap the Config was resolved with.
func (c Config) rawConfigMap(key string) string {
	if c.layers == nil {
		return ""
	}
	return c.layers.configMap[key]
}

// ApplyMain resolves the main ConfigMap's new content with the same precedence as Load.
// Changes to mutable keys apply at once; changes to immutable keys are reported in Rejected
// and not applied. If a mutable key's new value is invalid, nothing is applied and the error
// (one *KeyError per problem) is returned with the report of what was rejected.
func (s *Store) ApplyMain(cm ConfigMapContent) (MainUpdate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var data map[string]string
	if cm.Present {
		data = cm.Data
	}
	cur := s.cfg
	next := cur
	nl := layers{}
	if cur.layers != nil {
		nl = *cur.layers
	}
	nl.configMap = trimmed(data)
	next.layers = &nl
	var defs []keyDef
	for _, k := range keyDefs() {
		if k.sources&fromConfigMap != 0 {
			defs = append(defs, k)
		}
	}
	failed := map[string]*KeyError{}
	for _, err := range resolveKeys(&next, defs) {
		var ke *KeyError
		if errors.As(err, &ke) {
			failed[ke.Key] = ke
		}
	}
	upd := MainUpdate{Ignored: UnknownKeys(data)}
	var invalid []error
	for _, k := range defs {
		oldV, newV := k.get(&cur), k.get(&next)
		if ke := failed[k.key]; ke != nil {
			if k.mutable {
				invalid = append(invalid, ke)
			} else {
				upd.Rejected = append(upd.Rejected, Change{Key: k.key, Old: k.display(oldV), New: ke.Value})
			}
			continue
		}
		switch {
		case oldV != newV && k.mutable:
			upd.Applied = append(upd.Applied, Change{Key: k.key, Old: oldV, New: newV})
		case oldV != newV:
			upd.Rejected = append(upd.Rejected, Change{Key: k.key, Old: k.display(oldV), New: k.display(newV)})
		case nl.configMap[k.key] != cur.rawConfigMap(k.key) && next.Origin(k.key) > LayerConfigMap:
			c := Change{Key: k.key, Old: k.display(oldV), New: k.display(nl.configMap[k.key]), ShadowedBy: shadowName(k, next.Origin(k.key))}
			if k.mutable {
				upd.Shadowed = append(upd.Shadowed, c)
			} else {
				upd.Rejected = append(upd.Rejected, c)
			}
		}
	}
	if len(invalid) > 0 {
		upd.Applied = nil
		return upd, errors.Join(invalid...)
	}
	applied := cur
	al := nl
	al.origins = maps.Clone(nl.origins) // nl.origins are cur's: copied from cur.layers
	if al.origins == nil {
		al.origins = map[string]Layer{}
	}
	applied.layers = &al
	intervalChanged := false
	for _, c := range upd.Applied {
		k, _ := keyByName(c.Key)
		_ = k.set(&applied, c.New) // c.New is k.get's canonical form, which k.set accepts
		applied.layers.origins[c.Key] = next.Origin(c.Key)
		intervalChanged = intervalChanged || c.Key == KeyGlobalOptInterval
	}
	s.cfg = applied
	if len(upd.Applied) > 0 {
		s.notify(intervalChanged)
	}
	return upd, nil
}

// shadowName names the layer that sets a key above the ConfigMap, as messages show it.
func shadowName(k keyDef, l Layer) string {
	if l == LayerFlag {
		return "the flag --" + k.flagName()
	}
	return "the environment variable " + k.key
}
