package conform

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

const testdata = "../../../testdata/conformance/xml"

// TestCodecTestdata: every message of the copied test cases passes the codec
// check, and the one file that is not well-formed is reported precisely.
func TestCodecTestdata(t *testing.T) {
	files, err := Walk(testdata)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 13 {
		t.Fatalf("%d files, want 13", len(files))
	}
	r, err := RunCodec(files)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := r.Write(&out); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	_, _, all := r.ByProfile()
	if all.Passed != 12 || all.Failed != 0 || all.Unreadable != 1 || all.Messages != 50 || all.MessagesPassed != 50 {
		t.Fatalf("totals %+v", all)
	}
	want := `unreadable ` + testdata + `/oasis-testcases-v2.0/_variants/cnd01/TC-LOGIN-1-20.xml:1:1: invalid XML: text "# Create a Login Ticket, and use it." outside the root element (want an item element) (not well-formed XML)`
	if !strings.Contains(out.String(), want+"\n") {
		t.Fatalf("report lacks %q", want)
	}
	if r.Failed() {
		t.Fatal("Failed() with no failure")
	}
}

// TestCodecSharedSuite: the whole OASIS suite, when ../shared is present:
// every message of every well-formed file passes; the files that are not
// well-formed are the known ones.
func TestCodecSharedSuite(t *testing.T) {
	dir := os.Getenv("KMIP_CONFORMANCE_DIR")
	if dir == "" {
		dir = "../../../../shared/conformance/kmip-xml"
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared suite not found at %s (set KMIP_CONFORMANCE_DIR)", dir)
	}
	files, err := Walk(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := RunCodec(files)
	if err != nil {
		t.Fatal(err)
	}
	_, _, all := r.ByProfile()
	t.Logf("%d files: %d passed, %d unreadable; %d/%d messages", all.Files, all.Passed, all.Unreadable, all.MessagesPassed, all.Messages)
	for _, f := range r.Files {
		if f.Outcome == Failed {
			t.Errorf("%s: %s", f.Path, f.Detail)
		}
	}
	if all.Passed+all.Unreadable != all.Files || all.MessagesPassed != all.Messages {
		t.Fatalf("totals %+v", all)
	}
}

// TestCodecDetectsDifferences: the structural comparison is not vacuous.
func TestCodecDetectsDifferences(t *testing.T) {
	in, err := parseTree([]byte(`<Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Decrypt Encrypt"/><Offset type="Interval" value="5"/></Attribute>`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ xml, want string }{
		{`<Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Encrypt Decrypt"/><Offset type="Interval" value="5"/></Attribute>`, ""},
		{`<Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Encrypt"/><Offset type="Interval" value="5"/></Attribute>`, `/Attribute/AttributeValue: value "Encrypt", want "Decrypt Encrypt"`},
		{`<Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Encrypt Decrypt"/><Offset type="Integer" value="5"/></Attribute>`, `/Attribute/Offset: type Integer, want Interval`},
		{`<Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Encrypt Decrypt"/></Attribute>`, `/Attribute: missing item Offset (and 0 more)`},
		{`<Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Encrypt Decrypt"/><Offset type="Interval" value="5"/><Offset type="Interval" value="5"/></Attribute>`, `/Attribute: unexpected item Offset Interval "5"`},
	} {
		got, err := parseTree([]byte(tc.xml))
		if err != nil {
			t.Fatal(err)
		}
		var c comparer
		d := c.compare(in, got, nil)
		switch {
		case tc.want == "" && d != nil:
			t.Errorf("%s: %v", tc.xml, d)
		case tc.want != "" && (d == nil || d.Error() != tc.want):
			t.Errorf("got %v, want %s", d, tc.want)
		}
	}
}

// scripted is a fake server for the replay test: it answers each request
// with the test case's expected response, its placeholders filled with
// values of its own, after checking that the request is the test case's
// with the values it handed out substituted.
type scripted struct {
	tc     *TestCase
	step   int
	now    time.Time
	issued map[string]string
	// mutate, when set, changes the response of a step (for the
	// negative tests).
	mutate func(step int, resp []byte) []byte
}

func (s *scripted) value(p xmlttlv.Placeholder, response bool) ([]byte, error) {
	name := string(p.Value)
	if strings.HasPrefix(name, "$NOW") {
		ph := placeholders{now: s.now}
		t, err := ph.time(name)
		return []byte(t.Format(time.RFC3339)), err
	}
	v, ok := s.issued[name]
	if !ok {
		if response {
			v = Deterministic(p.Type, "server"+name)
		} else {
			v = Deterministic(p.Type, name)
		}
		s.issued[name] = v
	}
	return []byte(v), nil
}

func (s *scripted) ServeTTLV(_ context.Context, dst, req []byte) []byte {
	if 2*s.step+1 >= len(s.tc.Messages) {
		panic("more requests than the test case has")
	}
	reqXML, respXML := s.tc.Messages[2*s.step].XML, s.tc.Messages[2*s.step+1].XML
	opts := xmlttlv.DecodeOptions{Registry: Registry(), Placeholder: func(p xmlttlv.Placeholder) ([]byte, error) { return s.value(p, false) }}
	want, err := xmlttlv.AppendBinary(nil, reqXML, opts)
	if err != nil {
		panic(err)
	}
	if !bytes.Equal(want, req) {
		panic(fmt.Sprintf("step %d: request differs: %s", s.step, firstByteDiff(want, req)))
	}
	opts.Placeholder = func(p xmlttlv.Placeholder) ([]byte, error) { return s.value(p, true) }
	resp, err := xmlttlv.AppendBinary(dst, respXML, opts)
	if err != nil {
		panic(err)
	}
	if s.mutate != nil {
		resp = s.mutate(s.step, resp)
	}
	s.step++
	return resp
}

// TestReplay: the replay binds the placeholders a server hands out and sends
// them back, over the copied test cases, with a scripted server.
func TestReplay(t *testing.T) {
	files, err := Walk(testdata)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return epoch }
	srv := Server{Now: now}
	var last *scripted
	var cur *TestCase
	srv.New = func() (RoundTripper, func(), error) {
		last = &scripted{tc: cur, now: epoch, issued: map[string]string{}}
		return InProcess{Handler: last}, func() {}, nil
	}
	r := &Report{Mode: "server"}
	for _, f := range files {
		tc, err := Load(f.Path, f.Profile)
		if err != nil {
			t.Fatal(err)
		}
		cur = tc
		rt, done, _ := srv.New()
		r.Files = append(r.Files, Replay(context.Background(), tc, rt, now))
		done()
	}
	var out bytes.Buffer
	r.Write(&out)
	t.Log("\n" + out.String())
	_, _, all := r.ByProfile()
	if all.Passed != 12 || all.Unreadable != 1 || all.MessagesPassed != 25 {
		t.Fatalf("totals %+v", all)
	}
}

// TestReplayDifferences: a wrong value fails the test case with its tag
// path; OperationNotSupported skips it; a server that does not keep the
// identifier it handed out fails it.
func TestReplayDifferences(t *testing.T) {
	tc, err := Load(testdata+"/oasis-profiles-v1.4/mandatory/SKLC-M-1-14.xml", "p")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return epoch }
	run := func(mutate func(int, []byte) []byte) FileResult {
		s := &scripted{tc: tc, now: epoch, issued: map[string]string{}, mutate: mutate}
		return Replay(context.Background(), tc, InProcess{Handler: s}, now)
	}
	if fr := run(nil); fr.Outcome != Passed {
		t.Fatalf("unchanged: %s", fr.Detail)
	}
	// Step 1's ResultStatus Success (0) becomes OperationFailed (1).
	fr := run(func(step int, resp []byte) []byte {
		if step == 1 {
			return replaceEnum(t, resp, ttlv.TagResultStatus, 1)
		}
		return resp
	})
	if fr.Outcome != Failed || !strings.Contains(fr.Detail, "step 1") || !strings.Contains(fr.Detail, `/ResponseMessage/BatchItem/ResultStatus: value "OperationFailed", want "Success"`) {
		t.Fatalf("wrong status: %v %s", fr.Outcome, fr.Detail)
	}
	// Step 1's Initial Date, expected "$NOW", a day off.
	fr = run(func(step int, resp []byte) []byte {
		if step != 1 {
			return resp
		}
		out := bytes.Clone(resp)
		for i := 0; i+16 <= len(out); i += 8 {
			tg, typ, _, _ := ttlv.ConsumeHeader(out[i:])
			if typ == ttlv.TypeDateTime && tg == ttlv.TagAttributeValue {
				binary.BigEndian.PutUint64(out[i+8:], uint64(epoch.Unix()-86400))
				return out
			}
		}
		t.Fatal("no DateTime AttributeValue in step 1")
		return nil
	})
	if fr.Outcome != Failed || !strings.Contains(fr.Detail, `/AttributeValue: value "2025-12-31T00:00:00+00:00", want "2026-01-01T00:00:00Z ± 10m0s"`) {
		t.Fatalf("wrong date: %v %s", fr.Outcome, fr.Detail)
	}
	fr = run(func(step int, resp []byte) []byte {
		if step == 0 {
			resp = replaceEnum(t, resp, ttlv.TagResultStatus, 1)
			var v ttlv.Value
			if err := ttlv.Unmarshal(resp, &v); err != nil {
				t.Fatal(err)
			}
			item := v.Child(ttlv.TagBatchItem)
			item.Children = []ttlv.Value{*item.Child(ttlv.TagOperation), ttlv.Enumeration(ttlv.TagResultStatus, 1), ttlv.Enumeration(ttlv.TagResultReason, 5)}
			return ttlv.Marshal(&v)
		}
		return resp
	})
	if fr.Outcome != Skipped || !strings.Contains(fr.Detail, "Create: OperationNotSupported") {
		t.Fatalf("unsupported: %v %s", fr.Outcome, fr.Detail)
	}
}

// replaceEnum sets the first Enumeration with tag in msg to v.
func replaceEnum(t *testing.T, msg []byte, tag ttlv.Tag, v uint32) []byte {
	t.Helper()
	out := bytes.Clone(msg)
	for i := 0; i+16 <= len(out); i += 8 {
		tg, typ, length, _ := ttlv.ConsumeHeader(out[i:])
		if tg == tag && typ == ttlv.TypeEnumeration && length == 4 {
			out[i+8], out[i+9], out[i+10], out[i+11] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
			return out
		}
	}
	t.Fatalf("no %s in message", tag)
	return nil
}

// TestUnorderedAttributes: Attribute items match as a set, with the
// differing one reported by name; Query payloads compare as subsets.
func TestUnorderedAttributes(t *testing.T) {
	attr := func(name, typ, value string) string {
		return `<Attribute><AttributeName type="TextString" value="` + name + `"/><AttributeValue type="` + typ + `" value="` + value + `"/></Attribute>`
	}
	exp, _ := parseTree([]byte(`<ResponsePayload><UniqueIdentifier type="TextString" value="$ID"/>` + attr("State", "Enumeration", "Active") + attr("Cryptographic Length", "Integer", "128") + `</ResponsePayload>`))
	for _, tc := range []struct{ xml, want string }{
		{`<ResponsePayload><UniqueIdentifier type="TextString" value="x"/>` + attr("Cryptographic Length", "Integer", "128") + attr("State", "Enumeration", "Active") + `</ResponsePayload>`, ""},
		{`<ResponsePayload><UniqueIdentifier type="TextString" value="x"/>` + attr("Cryptographic Length", "Integer", "256") + attr("State", "Enumeration", "Active") + `</ResponsePayload>`, `/ResponsePayload/Attribute/AttributeValue: value "256", want "128"`},
		{`<ResponsePayload><UniqueIdentifier type="TextString" value="x"/>` + attr("State", "Enumeration", "Active") + `</ResponsePayload>`, `/ResponsePayload: missing item Attribute ("Cryptographic Length")`},
		{`<ResponsePayload><UniqueIdentifier type="TextString" value="x"/>` + attr("Cryptographic Length", "Integer", "128") + attr("State", "Enumeration", "Active") + attr("Object Type", "Enumeration", "SymmetricKey") + `</ResponsePayload>`, `/ResponsePayload: unexpected item Attribute ("Object Type")`},
	} {
		got, err := parseTree([]byte(tc.xml))
		if err != nil {
			t.Fatal(err)
		}
		c := comparer{valueOf: func(*node, *node, bool) (string, bool) { return "", false }}
		d := c.compare(exp, got, nil)
		if (d == nil) != (tc.want == "") || d != nil && d.Error() != tc.want {
			t.Errorf("got %v, want %q", d, tc.want)
		}
	}
	q, _ := parseTree([]byte(`<ResponsePayload><Operation type="Enumeration" value="Create"/><Operation type="Enumeration" value="Get"/><VendorIdentification type="TextString" value="ref"/></ResponsePayload>`))
	for _, tc := range []struct{ xml, want string }{
		{`<ResponsePayload><Operation type="Enumeration" value="Get"/><Operation type="Enumeration" value="Query"/><Operation type="Enumeration" value="Create"/></ResponsePayload>`, ""},
		{`<ResponsePayload><Operation type="Enumeration" value="Get"/></ResponsePayload>`, `/ResponsePayload: Operation Create not listed`},
	} {
		got, _ := parseTree([]byte(tc.xml))
		c := comparer{query: func(ttlv.Path) bool { return true }}
		d := c.compare(q, got, nil)
		if (d == nil) != (tc.want == "") || d != nil && d.Error() != tc.want {
			t.Errorf("query: got %v, want %q", d, tc.want)
		}
	}
}

// TestRepairNames: in a KMIP 1.0 document, runs of spaces inside Attribute
// Names become one space, and nothing else changes; other documents pass
// through untouched.
func TestRepairNames(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		kmip10   bool
	}{
		{`<KmipTestCase><AttributeName type="TextString" value="Cryptographic   Usage Mask" /><AttributeValue type="Integer" value="Encrypt   Decrypt" /></KmipTestCase>`,
			`<KmipTestCase><AttributeName type="TextString" value="Cryptographic Usage Mask" /><AttributeValue type="Integer" value="Encrypt   Decrypt" /></KmipTestCase>`, true},
		{"<?xml version=\"1.0\"?>\n<KmipTestCase><AttributeName type=\"TextString\" value=\"a  b   c\"/></KmipTestCase>",
			"<?xml version=\"1.0\"?>\n<KmipTestCase><AttributeName type=\"TextString\" value=\"a b c\"/></KmipTestCase>", true},
		{`<KMIP><AttributeName type="TextString" value="a   b"/></KMIP>`, `<KMIP><AttributeName type="TextString" value="a   b"/></KMIP>`, false},
		{`<KMIP><!-- <KmipTestCase> --><AttributeName type="TextString" value="a   b"/></KMIP>`, `<KMIP><!-- <KmipTestCase> --><AttributeName type="TextString" value="a   b"/></KMIP>`, false},
	} {
		got, kmip10 := repairNames([]byte(tc.in))
		if string(got) != tc.want || kmip10 != tc.kmip10 {
			t.Errorf("repairNames(%q) = %q, %v; want %q, %v", tc.in, got, kmip10, tc.want, tc.kmip10)
		}
	}
	tc, err := Load(testdata+"/oasis-profiles-v1.0-mandatory/SKLC-M-1-10.xml", "p")
	if err != nil || !tc.KMIP10 || tc.Err != nil || len(tc.Messages) != 6 {
		t.Fatalf("SKLC-M-1-10: %v, KMIP10 %v, %d messages, %v", err, tc.KMIP10, len(tc.Messages), tc.Err)
	}
	if bytes.Contains(tc.Messages[2].XML, []byte("Cryptographic   Usage")) || !bytes.Contains(tc.Messages[2].XML, []byte(`value="Cryptographic Usage Mask"`)) {
		t.Errorf("names not repaired:\n%s", tc.Messages[2].XML)
	}
}
