package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

func TestCalibrateCommandReportsEveryProfile(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"calibrate"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, name := range servermodel.ProfileNames() {
		if !strings.Contains(out.String(), name) {
			t.Errorf("report lacks profile %s", name)
		}
	}
	if !strings.Contains(out.String(), "single-stream decode") || !strings.Contains(out.String(), "saturation") {
		t.Errorf("report:\n%s", out.String())
	}
}

func TestBadFlagsFail(t *testing.T) {
	var out bytes.Buffer
	for _, args := range [][]string{{"--profile", "nope"}, {"--time-scale", "-1"}, {"--log-level", "loud"}, {"extra"}} {
		if err := run(context.Background(), args, &out, &out); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
