package conform

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

func mustTree(t *testing.T, s string) *node {
	t.Helper()
	n, err := parseTree([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return n
}

func TestUpperSnake(t *testing.T) {
	for in, want := range map[string]string{
		"Data": "DATA", "IVCounterNonce": "IV_COUNTER_NONCE", "SignatureData": "SIGNATURE_DATA",
		"AuthenticatedEncryptionTag": "AUTHENTICATED_ENCRYPTION_TAG", "MACData": "MAC_DATA",
	} {
		if got := upperSnake(in); got != want {
			t.Errorf("upperSnake(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRandomized: which Encrypt and Sign outputs are not comparable.
func TestRandomized(t *testing.T) {
	algs := map[string]string{"$RSA": "RSA", "$AES": "AES", "$EC": "ECDSA"}
	resp := func(items string) string {
		return `<BatchItem><ResponsePayload>` + items + `</ResponsePayload></BatchItem>`
	}
	data := `<Data type="ByteString" value="00"/>`
	iv := `<IVCounterNonce type="ByteString" value="01"/>`
	for _, tc := range []struct {
		name, req, resp string
		want            []string
	}{
		{"RSA OAEP by the key", `<BatchItem><Operation type="Enumeration" value="Encrypt"/><RequestPayload><UniqueIdentifier type="TextString" value="$RSA"/>` + data + `</RequestPayload></BatchItem>`, resp(data), []string{"Data"}},
		{"RSA no padding", `<BatchItem><Operation type="Enumeration" value="Encrypt"/><RequestPayload><UniqueIdentifier type="TextString" value="$RSA"/><CryptographicParameters><PaddingMethod type="Enumeration" value="None"/></CryptographicParameters>` + data + `</RequestPayload></BatchItem>`, resp(data), nil},
		{"AES with IV given", `<BatchItem><Operation type="Enumeration" value="Encrypt"/><RequestPayload><UniqueIdentifier type="TextString" value="$AES"/>` + data + iv + `</RequestPayload></BatchItem>`, resp(data), nil},
		{"AES ECB", `<BatchItem><Operation type="Enumeration" value="Encrypt"/><RequestPayload><UniqueIdentifier type="TextString" value="$AES"/>` + data + `</RequestPayload></BatchItem>`, resp(data), nil},
		{"AES server IV", `<BatchItem><Operation type="Enumeration" value="Encrypt"/><RequestPayload><UniqueIdentifier type="TextString" value="$AES"/>` + data + `</RequestPayload></BatchItem>`, resp(data + iv), []string{"AuthenticatedEncryptionTag", "Data", "IVCounterNonce"}},
		{"Decrypt RSA", `<BatchItem><Operation type="Enumeration" value="Decrypt"/><RequestPayload><UniqueIdentifier type="TextString" value="$RSA"/>` + data + `</RequestPayload></BatchItem>`, resp(data), nil},
		{"Sign ECDSA", `<BatchItem><Operation type="Enumeration" value="Sign"/><RequestPayload><UniqueIdentifier type="TextString" value="$EC"/>` + data + `</RequestPayload></BatchItem>`, resp(`<SignatureData type="ByteString" value="00"/>`), []string{"SignatureData"}},
		{"Sign RSA PSS", `<BatchItem><Operation type="Enumeration" value="Sign"/><RequestPayload><UniqueIdentifier type="TextString" value="$RSA"/><CryptographicParameters><PaddingMethod type="Enumeration" value="PSS"/></CryptographicParameters>` + data + `</RequestPayload></BatchItem>`, resp(`<SignatureData type="ByteString" value="00"/>`), []string{"SignatureData"}},
		{"Sign RSA PKCS#1 v1.5", `<BatchItem><Operation type="Enumeration" value="Sign"/><RequestPayload><UniqueIdentifier type="TextString" value="$RSA"/><CryptographicParameters><PaddingMethod type="Enumeration" value="PKCS1v15"/></CryptographicParameters>` + data + `</RequestPayload></BatchItem>`, resp(`<SignatureData type="ByteString" value="00"/>`), nil},
	} {
		var got []string
		for tag := range randomized(mustTree(t, tc.req), mustTree(t, tc.resp), algs) {
			got = append(got, tag.String())
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestBindResponse: a literal Byte String binds $DATA_0 and $DATA (the
// latest) implicitly; a randomized placeholder binds by name; a compared
// placeholder is left to the comparison.
func TestBindResponse(t *testing.T) {
	exp := mustTree(t, `<ResponseMessage><BatchItem><ResponsePayload><Data type="ByteString" value="aa"/><IVCounterNonce type="ByteString" value="$IV"/><MACData type="ByteString" value="$MAC"/></ResponsePayload></BatchItem><BatchItem><ResponsePayload><Data type="ByteString" value="dd"/></ResponsePayload></BatchItem></ResponseMessage>`)
	got := mustTree(t, `<ResponseMessage><BatchItem><ResponsePayload><Data type="ByteString" value="bb"/><IVCounterNonce type="ByteString" value="cc"/><MACData type="ByteString" value="ee"/></ResponsePayload></BatchItem><BatchItem><ResponsePayload><Data type="ByteString" value="dd"/></ResponsePayload></BatchItem></ResponseMessage>`)
	bound := map[string]string{"$DATA": "kept"}
	implicit := map[string]string{}
	counts := map[ttlv.Tag]int{}
	bindResponse(exp, got, []map[ttlv.Tag]bool{{ttlv.TagData: true, ttlv.TagIVCounterNonce: true}}, bound, implicit, counts)
	if want := map[string]string{"$DATA": "kept", "$IV": "cc"}; !reflect.DeepEqual(bound, want) {
		t.Errorf("bound %v, want %v", bound, want)
	}
	if want := map[string]string{"$DATA_0": "bb", "$DATA_1": "dd", "$DATA": "dd"}; !reflect.DeepEqual(implicit, want) {
		t.Errorf("implicit %v, want %v", implicit, want)
	}
	ph := &placeholders{bound: bound, implicit: implicit}
	for name, want := range map[string]string{"$DATA": "kept", "$DATA_1": "dd", "$IV": "cc"} {
		if v, err := ph.value(ttlv.TypeByteString, name); err != nil || v != want {
			t.Errorf("%s = %q, %v; want %q", name, v, err, want)
		}
	}
}

// TestUnlistedByQuery: what the expected Query lists and the server does
// not is required; more is fine; a failed Query requires nothing.
func TestUnlistedByQuery(t *testing.T) {
	req := mustTree(t, `<RequestMessage><BatchItem><Operation type="Enumeration" value="Query"/></BatchItem></RequestMessage>`)
	exp := mustTree(t, `<ResponseMessage><BatchItem><Operation type="Enumeration" value="Query"/><ResultStatus type="Enumeration" value="Success"/><ResponsePayload><Operation type="Enumeration" value="Get"/><Operation type="Enumeration" value="Poll"/><ObjectType type="Enumeration" value="Template"/><VendorIdentification type="TextString" value="ref"/></ResponsePayload></BatchItem></ResponseMessage>`)
	got := mustTree(t, `<ResponseMessage><BatchItem><Operation type="Enumeration" value="Query"/><ResultStatus type="Enumeration" value="Success"/><ResponsePayload><Operation type="Enumeration" value="Get"/><Operation type="Enumeration" value="Create"/><VendorIdentification type="TextString" value="us"/></ResponsePayload></BatchItem></ResponseMessage>`)
	if m := unlistedByQuery(req, exp, got); !reflect.DeepEqual(m, []string{"Operation Poll", "ObjectType Template"}) {
		t.Errorf("missing %v", m)
	}
	if r := requirements([]string{"Operation Poll", "Operation Check", "ObjectType Template"}); r != "operations Poll, Check; object type Template" {
		t.Errorf("requirements: %q", r)
	}
	failed := mustTree(t, `<ResponseMessage><BatchItem><Operation type="Enumeration" value="Query"/><ResultStatus type="Enumeration" value="OperationFailed"/></BatchItem></ResponseMessage>`)
	if m := unlistedByQuery(req, exp, failed); m != nil {
		t.Errorf("failed Query: missing %v", m)
	}
}

// TestExemptOutOfScope: an out-of-scope operation the expected Query
// lists and the server does not is taken out of the expected answer and
// reported; one the server lists, and every other item, stay required.
func TestExemptOutOfScope(t *testing.T) {
	req := mustTree(t, `<RequestMessage><BatchItem><Operation type="Enumeration" value="Query"/></BatchItem></RequestMessage>`)
	expected := `<ResponseMessage><BatchItem><Operation type="Enumeration" value="Query"/><ResultStatus type="Enumeration" value="Success"/><ResponsePayload><Operation type="Enumeration" value="Get"/><Operation type="Enumeration" value="Notify"/><Operation type="Enumeration" value="Put"/><Operation type="Enumeration" value="Poll"/></ResponsePayload></BatchItem></ResponseMessage>`
	got := mustTree(t, `<ResponseMessage><BatchItem><Operation type="Enumeration" value="Query"/><ResultStatus type="Enumeration" value="Success"/><ResponsePayload><Operation type="Enumeration" value="Get"/><Operation type="Enumeration" value="Put"/></ResponsePayload></BatchItem></ResponseMessage>`)
	scope := map[string]bool{"Notify": true, "Put": true}

	exp := mustTree(t, expected)
	if e := exemptOutOfScope(req, exp, got, scope); !reflect.DeepEqual(e, []string{"Notify"}) {
		t.Errorf("exempted %v, want [Notify] (Put is listed)", e)
	}
	if m := unlistedByQuery(req, exp, got); !reflect.DeepEqual(m, []string{"Operation Poll"}) {
		t.Errorf("still required but missing: %v, want [Operation Poll]", m)
	}
	exp = mustTree(t, expected)
	if e := exemptOutOfScope(req, exp, got, nil); e != nil {
		t.Errorf("no scope given, exempted %v", e)
	}
	if m := unlistedByQuery(req, exp, got); !reflect.DeepEqual(m, []string{"Operation Notify", "Operation Poll"}) {
		t.Errorf("no scope given, missing %v", m)
	}
	get := mustTree(t, `<RequestMessage><BatchItem><Operation type="Enumeration" value="Get"/></BatchItem></RequestMessage>`)
	if e := exemptOutOfScope(get, mustTree(t, expected), got, scope); e != nil {
		t.Errorf("not a Query, exempted %v", e)
	}
}

// TestOpaqueRNG: a Random Number Generator is compared by presence only.
func TestOpaqueRNG(t *testing.T) {
	exp := mustTree(t, `<Attributes><RandomNumberGenerator><RNGAlgorithm type="Enumeration" value="ANSIX9_31"/></RandomNumberGenerator><State type="Enumeration" value="Active"/></Attributes>`)
	for _, tc := range []struct{ xml, want string }{
		{`<Attributes><State type="Enumeration" value="Active"/><RandomNumberGenerator><RNGAlgorithm type="Enumeration" value="DRBG"/><DRBGAlgorithm type="Enumeration" value="CTR_DRBG"/></RandomNumberGenerator></Attributes>`, ""},
		{`<Attributes><State type="Enumeration" value="Active"/></Attributes>`, `/Attributes: missing item RandomNumberGenerator`},
	} {
		c := comparer{opaque: describesServer}
		d := c.compare(exp, mustTree(t, tc.xml), nil)
		if (d == nil) != (tc.want == "") || d != nil && d.Error() != tc.want {
			t.Errorf("got %v, want %q", d, tc.want)
		}
	}
	// The codec check compares it (no opaque).
	c := comparer{}
	if d := c.compare(exp, mustTree(t, `<Attributes><State type="Enumeration" value="Active"/><RandomNumberGenerator><RNGAlgorithm type="Enumeration" value="DRBG"/></RandomNumberGenerator></Attributes>`), nil); d == nil {
		t.Error("without opaque, a different RNG compared equal")
	}
}

// TestPredecessor: TL-M-3 locating what TL-M-2 made is replayed after it;
// a test case that locates nothing, or makes its objects first, is not.
func TestPredecessor(t *testing.T) {
	dir := t.TempDir()
	locate := `<KMIP><RequestMessage><BatchItem><Operation type="Enumeration" value="Locate"/></BatchItem></RequestMessage>
<ResponseMessage><BatchItem><Operation type="Enumeration" value="Locate"/><ResponsePayload>%s</ResponsePayload></BatchItem></ResponseMessage></KMIP>`
	write := func(name, body string) File {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return File{Path: p, Profile: "p"}
	}
	files := []File{
		write("TL-M-2-21.xml", `<KMIP><RequestMessage><BatchItem><Operation type="Enumeration" value="Create"/></BatchItem></RequestMessage><ResponseMessage><BatchItem><Operation type="Enumeration" value="Create"/></BatchItem></ResponseMessage></KMIP>`),
		write("TL-M-3-21.xml", strings.Replace(locate, "%s", `<UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>`, 1)),
		write("TL-M-4-21.xml", strings.Replace(locate, "%s", ``, 1)),
	}
	for i, want := range []string{"", "TL-M-2-21.xml", ""} {
		tc, err := Load(files[i].Path, "p")
		if err != nil {
			t.Fatal(err)
		}
		pre, err := predecessor(tc, files)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if pre != nil {
			got = filepath.Base(pre.Path)
		}
		if got != want {
			t.Errorf("%s: predecessor %q, want %q", filepath.Base(files[i].Path), got, want)
		}
	}
}

// TestDiscoverVersions: the expected versions in order, more allowed.
func TestDiscoverVersions(t *testing.T) {
	pv := func(maj, min string) string {
		return `<ProtocolVersion><ProtocolVersionMajor type="Integer" value="` + maj + `"/><ProtocolVersionMinor type="Integer" value="` + min + `"/></ProtocolVersion>`
	}
	exp := mustTree(t, `<ResponsePayload>`+pv("1", "4")+pv("1", "3")+`</ResponsePayload>`)
	for _, tc := range []struct{ xml, want string }{
		{`<ResponsePayload>` + pv("2", "1") + pv("1", "4") + pv("1", "3") + pv("1", "0") + `</ResponsePayload>`, ""},
		{`<ResponsePayload>` + pv("1", "3") + pv("1", "4") + `</ResponsePayload>`, `/ResponsePayload: ProtocolVersion 1.3 not listed in this order`},
		{`<ResponsePayload>` + pv("1", "4") + `</ResponsePayload>`, `/ResponsePayload: ProtocolVersion 1.3 not listed in this order`},
	} {
		c := comparer{versions: func(ttlv.Path) bool { return true }}
		d := c.compare(exp, mustTree(t, tc.xml), nil)
		if (d == nil) != (tc.want == "") || d != nil && d.Error() != tc.want {
			t.Errorf("got %v, want %q", d, tc.want)
		}
	}
}

// TestItemCause: a Batch Count difference is explained by the item that
// failed, not by the undone one before it.
func TestItemCause(t *testing.T) {
	item := func(op, status string) string {
		return `<BatchItem><Operation type="Enumeration" value="` + op + `"/><ResultStatus type="Enumeration" value="` + status + `"/></BatchItem>`
	}
	hdr := func(n string) string {
		return `<ResponseHeader><BatchCount type="Integer" value="` + n + `"/></ResponseHeader>`
	}
	exp := mustTree(t, `<ResponseMessage>`+hdr("3")+item("Create", "Success")+item("Get", "Success")+item("Create", "Success")+`</ResponseMessage>`)
	got := mustTree(t, `<ResponseMessage>`+hdr("2")+item("Create", "OperationUndone")+item("Get", "OperationFailed")+`</ResponseMessage>`)
	c := comparer{}
	d := c.compare(exp, got, nil)
	if d == nil || d.Error() != `/ResponseMessage/ResponseHeader/BatchCount: value "2", want "3"` {
		t.Fatalf("compare: %v", d)
	}
	cause := c.itemCause(d, exp, got)
	if cause == nil || cause.Error() != `/ResponseMessage/BatchItem/ResultStatus: value "OperationFailed", want "Success"` || cause.Line != exp.children[2].children[1].line {
		t.Errorf("cause: %v", cause)
	}
	short := mustTree(t, `<ResponseMessage>`+hdr("2")+item("Create", "Success")+item("Get", "Success")+`</ResponseMessage>`)
	if cause := c.itemCause(c.compare(exp, short, nil), exp, short); cause == nil || cause.Error() != `/ResponseMessage: missing batch item 3 (Create)` {
		t.Errorf("missing: %v", cause)
	}
}

// TestServerCorrelationValue: a Server Correlation Value in the response
// header is the server's choice, present or not, its value the server's;
// anything else in the header is still compared.
func TestServerCorrelationValue(t *testing.T) {
	hdr := func(items string) string {
		return `<ResponseMessage><ResponseHeader>` + items + `<BatchCount type="Integer" value="1"/></ResponseHeader></ResponseMessage>`
	}
	scv := `<ServerCorrelationValue type="TextString" value="A5E83842-1"/>`
	other := `<ServerCorrelationValue type="TextString" value="kmipd-7"/>`
	for _, tc := range []struct {
		name, exp, act string
		ok             bool
	}{
		{"expected, absent", hdr(scv), hdr(""), true},
		{"not expected, present", hdr(""), hdr(other), true},
		{"both, other value", hdr(scv), hdr(other), true},
		{"Batch Count still compared", hdr(scv), `<ResponseMessage><ResponseHeader>` + other + `<BatchCount type="Integer" value="2"/></ResponseHeader></ResponseMessage>`, false},
	} {
		c := comparer{item: -1, ignore: func(_ int, _ ttlv.Path, e *node) bool { return ignored[e.tag] }}
		d := c.compare(mustTree(t, tc.exp), mustTree(t, tc.act), nil)
		if (d == nil) != tc.ok {
			t.Errorf("%s: diff %v, want ok %v", tc.name, d, tc.ok)
		}
	}
}

// TestRandomizedRepeat: a randomized output (key material the server
// generated) is not compared with the reference's, but where the test
// case writes the same value twice — the key both sides of an ECDH agree,
// the same key got twice — the server must answer one value both times,
// its own.
func TestRandomizedRepeat(t *testing.T) {
	hdr := `<RequestHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="2"/><ProtocolVersionMinor type="Integer" value="0"/></ProtocolVersion><BatchCount type="Integer" value="1"/></RequestHeader>`
	rhdr := `<ResponseHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="2"/><ProtocolVersionMinor type="Integer" value="0"/></ProtocolVersion><TimeStamp type="DateTime" value="$NOW"/><BatchCount type="Integer" value="1"/></ResponseHeader>`
	step := func(op, req, resp string) string {
		return `<RequestMessage>` + hdr + `<BatchItem><Operation type="Enumeration" value="` + op + `"/><RequestPayload>` + req + `</RequestPayload></BatchItem></RequestMessage>` +
			`<ResponseMessage>` + rhdr + `<BatchItem><Operation type="Enumeration" value="` + op + `"/><ResultStatus type="Enumeration" value="Success"/><ResponsePayload>` + resp + `</ResponsePayload></BatchItem></ResponseMessage>`
	}
	uid := `<UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>`
	key := func(hex string) string {
		return `<ObjectType type="Enumeration" value="SymmetricKey"/>` + uid + `<SymmetricKey><KeyBlock><KeyFormatType type="Enumeration" value="Raw"/><KeyValue><KeyMaterial type="ByteString" value="` + hex + `"/></KeyValue></KeyBlock></SymmetricKey>`
	}
	xml := `<KMIP>` +
		step("Create", `<ObjectType type="Enumeration" value="SymmetricKey"/><Attributes><CryptographicAlgorithm type="Enumeration" value="AES"/><CryptographicLength type="Integer" value="128"/></Attributes>`,
			`<ObjectType type="Enumeration" value="SymmetricKey"/>`+uid) +
		step("Get", uid, key("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) +
		step("Get", uid, key("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) +
		step("Get", uid, key("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")) + `</KMIP>`
	p := filepath.Join(t.TempDir(), "TC-X-1-20.xml")
	if err := os.WriteFile(p, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	tc, err := Load(p, "p")
	if err != nil {
		t.Fatal(err)
	}
	aa, cc := mustHex("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), mustHex("cccccccccccccccccccccccccccccccc")
	replace := func(steps ...int) func(int, []byte) []byte {
		return func(s int, resp []byte) []byte {
			for _, x := range steps {
				if s == x {
					return bytes.ReplaceAll(resp, aa, cc)
				}
			}
			return resp
		}
	}
	for _, c := range []struct {
		name    string
		mutate  func(int, []byte) []byte
		outcome Outcome
	}{
		{"the reference's values", nil, Passed},
		{"the server's own value, twice", replace(1, 2), Passed},
		{"another value the second time", replace(2), Failed},
		{"another value the first time", replace(1), Failed},
	} {
		s := &scripted{tc: tc, now: epoch, issued: map[string]string{}, mutate: c.mutate}
		fr := Replay(context.Background(), tc, InProcess{Handler: s}, func() time.Time { return epoch })
		if fr.Outcome != c.outcome || c.outcome == Failed && !strings.Contains(fr.Detail, "step 2 ") {
			t.Errorf("%s: %s: %s", c.name, fr.Outcome, fr.Detail)
		}
	}
}
