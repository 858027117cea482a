package load

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestReportLabel: a labelled report's line starts with its label, its
// JSON carries it, and an unlabelled one has neither.
func TestReportLabel(t *testing.T) {
	r := Report{Label: "kmipd pinned", Transport: "tls", Conns: 16, Batch: 1, Mix: "encrypt=100", Procs: 1}
	plain := r
	plain.Label = ""
	if got, want := r.String(), "kmipd pinned: "+plain.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if strings.Contains(plain.String(), "pinned") {
		t.Errorf("unlabelled String() = %q", plain.String())
	}
	for _, tc := range []struct {
		r    Report
		want bool
	}{{r, true}, {plain, false}} {
		b, err := json.Marshal(&tc.r)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(b), `"label":"kmipd pinned"`); got != tc.want {
			t.Errorf("JSON %s: label present %v, want %v", b, got, tc.want)
		}
		if !tc.want && strings.Contains(string(b), `"label"`) {
			t.Errorf("JSON %s has an empty label", b)
		}
	}
}
