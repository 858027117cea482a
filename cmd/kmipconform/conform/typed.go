package conform

import (
	"bytes"
	"fmt"
	"io"
	"sort"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

// TypedResult is the typed check of one message.
type TypedResult struct {
	Message *Message
	// Err is nil when the message went through the types byte-exact.
	Err error
	// Unknown holds the items no field of a type took (kept, and written
	// back in place).
	Unknown []kmip.Raw
	// Bytes is the size of the binary form.
	Bytes int
}

// CheckTyped runs the typed check on every message of tc: the XML (its
// placeholders given deterministic values) to binary, the binary decoded
// into kmip.RequestMessage or kmip.ResponseMessage and encoded again, which
// must give the same bytes.
func CheckTyped(tc *TestCase) []TypedResult {
	out := make([]TypedResult, 0, len(tc.Messages))
	var req kmip.RequestMessage
	var resp kmip.ResponseMessage
	for i := range tc.Messages {
		m := &tc.Messages[i]
		r := TypedResult{Message: m}
		b, err := m.Binary()
		if err == nil {
			r.Bytes = len(b)
			r.Unknown, err = typedRoundTrip(b, &req, &resp)
		}
		if err != nil {
			r.Err = fmt.Errorf("message %d (line %d): %w", m.Index, m.Line, err)
		}
		out = append(out, r)
	}
	return out
}

// Binary returns the binary form of m, its placeholders given the codec
// check's deterministic values (see Deterministic).
func (m *Message) Binary() ([]byte, error) {
	ph := newPlaceholders()
	return xmlttlv.AppendBinary(nil, m.XML, xmlttlv.DecodeOptions{Registry: Registry(), Placeholder: ph.codec})
}

// typedRoundTrip decodes message b into req or resp (by its tag), encodes
// it for the protocol version of its header and compares.
func typedRoundTrip(b []byte, req *kmip.RequestMessage, resp *kmip.ResponseMessage) ([]kmip.Raw, error) {
	tag, _, _, _ := ttlv.ConsumeHeader(b)
	var out []byte
	var unknown []kmip.Raw
	switch tag {
	case ttlv.TagRequestMessage:
		if err := req.UnmarshalTTLV(b); err != nil {
			return nil, fmt.Errorf("typed decode: %w", err)
		}
		out = req.AppendTTLV(nil, messageVersion(req.RequestHeader))
		unknown = req.Unknown()
	case ttlv.TagResponseMessage:
		if err := resp.UnmarshalTTLV(b); err != nil {
			return nil, fmt.Errorf("typed decode: %w", err)
		}
		var ver kmip.Version
		if resp.ResponseHeader != nil {
			ver = resp.ResponseHeader.ProtocolVersion.Version()
		}
		out = resp.AppendTTLV(nil, orV21(ver))
		unknown = resp.Unknown()
	default:
		return nil, fmt.Errorf("typed decode: a %s is not a message", tag)
	}
	if !bytes.Equal(b, out) {
		return unknown, fmt.Errorf("typed encode: %s", firstByteDiff(b, out))
	}
	return unknown, nil
}

// messageVersion is the protocol version of a request's header, the
// version its typed form is encoded for (2.1 without one).
func messageVersion(h *kmip.RequestHeader) kmip.Version {
	if h == nil {
		return kmip.V2_1
	}
	return orV21(h.ProtocolVersion.Version())
}

func orV21(v kmip.Version) kmip.Version {
	if v == 0 {
		return kmip.V2_1
	}
	return v
}

// TypedReport is the typed check of a set of files, per profile.
type TypedReport struct {
	Profiles []TypedProfile
	// Failures lists the messages that did not go through the types
	// byte-exact (file, then the error).
	Failures []string
}

// TypedProfile is one profile's line of a TypedReport.
type TypedProfile struct {
	Name string
	// Files and Messages count what was checked; Exact the messages that
	// went through the types byte-exact, Mismatched those that did not.
	Files, Messages, Exact, Mismatched int
	// Unknown counts the items kept as unknown (no field took them),
	// UnknownTags them by tag name.
	Unknown     int
	UnknownTags map[string]int
	// Unreadable counts the files whose XML could not be read (the codec
	// check reports them).
	Unreadable int
}

// RunTyped runs CheckTyped over files.
func RunTyped(files []File) (*TypedReport, error) {
	rep := &TypedReport{}
	idx := map[string]int{}
	for _, f := range files {
		tc, err := Load(f.Path, f.Profile)
		if err != nil {
			return nil, err
		}
		i, ok := idx[f.Profile]
		if !ok {
			i = len(rep.Profiles)
			idx[f.Profile] = i
			rep.Profiles = append(rep.Profiles, TypedProfile{Name: f.Profile, UnknownTags: map[string]int{}})
		}
		p := &rep.Profiles[i]
		p.Files++
		if tc.Err != nil {
			p.Unreadable++
		}
		for _, r := range CheckTyped(tc) {
			p.Messages++
			if r.Err != nil {
				p.Mismatched++
				rep.Failures = append(rep.Failures, fmt.Sprintf("%s: %v", f.Path, r.Err))
			} else {
				p.Exact++
			}
			p.Unknown += len(r.Unknown)
			for _, u := range r.Unknown {
				p.UnknownTags[u.Tag().String()]++
			}
		}
	}
	return rep, nil
}

// Failed reports whether a message did not go through the types byte-exact.
func (r *TypedReport) Failed() bool { return len(r.Failures) > 0 }

// Write prints the table: per profile the messages byte-exact through the
// types and the unknown items kept (the most frequent tags named), then the
// failures.
func (r *TypedReport) Write(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "typed (kmip): decode → encode byte-exact\n")
	fmt.Fprintf(ew, "%-44s %6s %9s %7s %10s %8s\n", "profile", "files", "messages", "exact", "mismatched", "unknown")
	var tot TypedProfile
	for _, p := range r.Profiles {
		fmt.Fprintf(ew, "%-44s %6d %9d %7d %10d %8d%s\n", p.Name, p.Files, p.Messages, p.Exact, p.Mismatched, p.Unknown, topTags(p.UnknownTags))
		tot.Files += p.Files
		tot.Messages += p.Messages
		tot.Exact += p.Exact
		tot.Mismatched += p.Mismatched
		tot.Unknown += p.Unknown
	}
	fmt.Fprintf(ew, "%-44s %6d %9d %7d %10d %8d\n", "total", tot.Files, tot.Messages, tot.Exact, tot.Mismatched, tot.Unknown)
	for _, f := range r.Failures {
		fmt.Fprintf(ew, "FAIL %s\n", f)
	}
	return ew.err
}

// topTags names the three most frequent unknown tags.
func topTags(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	type kv struct {
		k string
		n int
	}
	var s []kv
	for k, n := range m {
		s = append(s, kv{k, n})
	}
	sort.Slice(s, func(i, j int) bool { return s[i].n > s[j].n || s[i].n == s[j].n && s[i].k < s[j].k })
	out := "  ("
	for i, e := range s {
		if i == 3 {
			out += ", …"
			break
		}
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s %d", e.k, e.n)
	}
	return out + ")"
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, nil
}
