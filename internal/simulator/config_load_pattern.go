package simulator

import (
	"errors"
	"fmt"
)

// validate checks what the loader cannot: a pattern's request lengths. Rates and
// durations are checked by loadgen when the schedule is built.
func (l LoadConfig) validate(where string) error {
	p := l.Pattern
	if p == nil {
		return nil
	}
	if err := p.lengthsValid(); err != nil {
		return fmt.Errorf("%w: %s: pattern: %w", ErrConfig, where, err)
	}
	return nil
}

// lengthsValid checks that every request gets a prompt and an output length.
func (p *PatternConfig) lengthsValid() error {
	if p.LengthsFrom != "" {
		if p.Prompt != nil || p.Output != nil {
			return errors.New("lengthsFrom draws both lengths from the trace: remove prompt and output")
		}
		return nil
	}
	for _, l := range []struct {
		key   string
		fixed int
		dist  *LengthDist
	}{{"prompt", p.PromptTokens, p.Prompt}, {"output", p.OutputTokens, p.Output}} {
		if l.dist == nil {
			if l.fixed < 1 {
				return fmt.Errorf("%sTokens %d: give a length >= 1, a %s distribution or lengthsFrom", l.key, l.fixed, l.key)
			}
			continue
		}
		d := l.dist
		switch {
		case !(d.Mean >= 1):
			return fmt.Errorf("%s: mean %g must be at least 1 token", l.key, d.Mean)
		case d.Sigma < 0 || d.Sigma > 3:
			return fmt.Errorf("%s: sigma %g outside [0, 3] (the standard deviation of the log of the length)", l.key, d.Sigma)
		case d.Min < 0 || d.Max < 0 || (d.Max > 0 && d.Max < max(1, d.Min)):
			return fmt.Errorf("%s: min %d and max %d do not bound a range of lengths >= 1", l.key, d.Min, d.Max)
		}
	}
	return nil
}
