package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Operations and Result Reasons of the access tests (KMIP 2.1 §11.40,
// §11.46).
const (
	aclCreate           = 0x01
	aclLocate           = 0x08
	aclGet              = 0x0A
	aclDestroy          = 0x14
	aclPermissionDenied = 0x0C
	aclContinue         = 0x01 // Batch Error Continuation Option
)

// pki is a CA and certificates it signed, as PEM files.
type pki struct {
	dir                 string
	caFile              string
	serverCert, srvKey  string
	ca                  *x509.Certificate
	caKey               any
	roots               *x509.CertPool
	clientCert, cliKeys map[string]string
}

func newPKI(t *testing.T, clients ...string) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir(), clientCert: map[string]string{}, cliKeys: map[string]string{}}
	caPEM, caKeyPEM, err := kmipserver.SelfSigned("kmipd access test CA", nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.ca, p.caKey = parsePair(t, caPEM, caKeyPEM)
	p.roots = x509.NewCertPool()
	p.roots.AddCert(p.ca)
	p.caFile = p.write(t, "ca.pem", caPEM)
	srvPEM, srvKey, err := kmipserver.SelfSigned("localhost", []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, p.ca, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	p.serverCert, p.srvKey = p.write(t, "server.pem", srvPEM), p.write(t, "server-key.pem", srvKey)
	for _, cn := range clients {
		c, k, err := kmipserver.SelfSigned(cn, nil, nil, p.ca, p.caKey)
		if err != nil {
			t.Fatal(err)
		}
		p.clientCert[cn], p.cliKeys[cn] = p.write(t, cn+".pem", c), p.write(t, cn+"-key.pem", k)
	}
	return p
}

func (p *pki) write(t *testing.T, name string, b []byte) string {
	t.Helper()
	f := filepath.Join(p.dir, name)
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// serverArgs are kmipd's flags for the certificates, mutual TLS on.
func (p *pki) serverArgs() []string {
	return []string{"-cert", p.serverCert, "-key", p.srvKey, "-client-ca", p.caFile}
}

// tls is a client configuration presenting cn's certificate ("" none).
func (p *pki) tls(t *testing.T, cn string) *tls.Config {
	t.Helper()
	tc := &tls.Config{RootCAs: p.roots, ServerName: "localhost"}
	if cn != "" {
		pair, err := tls.LoadX509KeyPair(p.clientCert[cn], p.cliKeys[cn])
		if err != nil {
			t.Fatal(err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	return tc
}

func aclItem(op uint32, payload ...ttlv.Value) ttlv.Value { return killItem(op, payload...) }

func aclRequest(cont uint32, items ...ttlv.Value) []byte {
	if cont == 0 {
		return killRequest(items...)
	}
	m := ttlv.Structure(ttlv.TagRequestMessage, append([]ttlv.Value{ttlv.Structure(ttlv.TagRequestHeader,
		ttlv.Structure(ttlv.TagProtocolVersion, ttlv.Integer(ttlv.TagProtocolVersionMajor, 2),
			ttlv.Integer(ttlv.TagProtocolVersionMinor, 1)),
		ttlv.Enumeration(ttlv.TagBatchErrorContinuationOption, cont),
		ttlv.Integer(ttlv.TagBatchCount, int32(len(items))))}, items...)...)
	return ttlv.Marshal(&m)
}

func createAESItem() ttlv.Value {
	return aclItem(aclCreate, ttlv.Enumeration(ttlv.TagObjectType, 0x02), ttlv.Structure(ttlv.TagAttributes,
		ttlv.Enumeration(ttlv.TagCryptographicAlgorithm, 0x03), ttlv.Integer(ttlv.TagCryptographicLength, 256),
		ttlv.Integer(ttlv.TagCryptographicUsageMask, 0x04|0x08)))
}

func uidOf(id string) ttlv.Value { return ttlv.TextString(ttlv.TagUniqueIdentifier, id) }

// binClient is one identity's binary TTLV connection.
type binClient struct {
	t *testing.T
	c net.Conn
}

func dialAs(t *testing.T, addr string, tc *tls.Config) *binClient {
	t.Helper()
	c, err := tls.Dial("tcp", addr, tc)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &binClient{t: t, c: c}
}

// batch sends the items and returns the answer's items.
func (b *binClient) batch(cont uint32, items ...ttlv.Value) []ttlv.Value {
	b.t.Helper()
	b.c.SetDeadline(time.Now().Add(10 * time.Second))
	resp, err := roundTrip(b.c, aclRequest(cont, items...))
	if err != nil {
		b.t.Fatalf("round trip: %v", err)
	}
	var m ttlv.Value
	if err := ttlv.Unmarshal(resp, &m); err != nil {
		b.t.Fatal(err)
	}
	var out []ttlv.Value
	for _, ch := range m.Clone().Children {
		if ch.Tag == ttlv.TagBatchItem {
			out = append(out, ch)
		}
	}
	return out
}

func (b *binClient) one(it ttlv.Value) ttlv.Value {
	b.t.Helper()
	return b.batch(0, it)[0]
}

// reasonOf is an item's Result Reason, 0 when it succeeded.
func reasonOf(it ttlv.Value) uint32 {
	if r := it.Child(ttlv.TagResultReason); r != nil {
		return uint32(r.Num)
	}
	if s := it.Child(ttlv.TagResultStatus); s == nil || s.Num != 0 {
		return 0xFFFF
	}
	return 0
}

func wantReason(t *testing.T, what string, it ttlv.Value, want uint32) {
	t.Helper()
	if got := reasonOf(it); got != want {
		t.Errorf("%s: reason 0x%X, want 0x%X\n%s", what, got, want, it.String())
	}
}

func createdUID(t *testing.T, it ttlv.Value) string {
	t.Helper()
	wantReason(t, "Create", it, 0)
	p := it.Child(ttlv.TagResponsePayload)
	if p == nil || p.Child(ttlv.TagUniqueIdentifier) == nil {
		t.Fatalf("no identifier: %s", it.String())
	}
	return p.Child(ttlv.TagUniqueIdentifier).Text()
}

func located(it ttlv.Value) []string {
	var ids []string
	if p := it.Child(ttlv.TagResponsePayload); p != nil {
		for _, ch := range p.Children {
			if ch.Tag == ttlv.TagUniqueIdentifier {
				ids = append(ids, ch.Text())
			}
		}
	}
	return ids
}

// postJSON sends items as a JSON RequestMessage to /kmip and returns the
// answer's items (decoded from the JSON form).
func postJSON(t *testing.T, hc *http.Client, url, token string, items ...ttlv.Value) (int, []ttlv.Value) {
	t.Helper()
	js, err := jsonttlv.AppendJSON(nil, aclRequest(0, items...), jsonttlv.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	bin, err := jsonttlv.AppendBinary(nil, buf.Bytes(), jsonttlv.DecodeOptions{})
	if err != nil {
		t.Fatalf("answer %s: %v", buf.Bytes(), err)
	}
	var m ttlv.Value
	if err := ttlv.Unmarshal(bin, &m); err != nil {
		t.Fatal(err)
	}
	var out []ttlv.Value
	for _, ch := range m.Clone().Children {
		if ch.Tag == ttlv.TagBatchItem {
			out = append(out, ch)
		}
	}
	return resp.StatusCode, out
}

func httpsClient(t *testing.T, tc *tls.Config) *http.Client {
	tr := &http.Transport{TLSClientConfig: tc}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// TestAccessMutualTLS: kmipd -client-ca over binary TTLV and HTTPS JSON,
// alice and bob with certificates of the same CA: bob gets Permission
// Denied for alice's key (alone and in a mixed batch), Locate hides it,
// the -admin gets it; after a restart on the same -data the owner is
// still alice.
func TestAccessMutualTLS(t *testing.T) {
	p := newPKI(t, "alice", "bob", "root")
	data := t.TempDir()
	args := append(p.serverArgs(), "-data", data, "-admin", "root")
	d := startDaemon(t, args...)
	alice, bob, root := dialAs(t, d.binary, p.tls(t, "alice")), dialAs(t, d.binary, p.tls(t, "bob")), dialAs(t, d.binary, p.tls(t, "root"))
	key := createdUID(t, alice.one(createAESItem()))
	wantReason(t, "bob's Get", bob.one(aclItem(aclGet, uidOf(key))), aclPermissionDenied)
	wantReason(t, "bob's Destroy", bob.one(aclItem(aclDestroy, uidOf(key))), aclPermissionDenied)
	if ids := located(bob.one(aclItem(aclLocate))); slices.Contains(ids, key) {
		t.Errorf("bob's Locate lists alice's key: %v", ids)
	}
	if ids := located(alice.one(aclItem(aclLocate))); !slices.Equal(ids, []string{key}) {
		t.Errorf("alice's Locate: %v, want [%s]", ids, key)
	}
	// A mixed batch: bob's own Create and Get succeed, alice's key is
	// refused in the middle.
	items := bob.batch(aclContinue, createAESItem(), aclItem(aclGet, uidOf(key)), aclItem(aclGet))
	wantReason(t, "batch Create", items[0], 0)
	wantReason(t, "batch Get of alice's key", items[1], aclPermissionDenied)
	wantReason(t, "batch Get of bob's new key", items[2], 0)
	wantReason(t, "root's Get", root.one(aclItem(aclGet, uidOf(key))), 0)

	// HTTPS JSON with the same certificates.
	for who, want := range map[string]uint32{"bob": aclPermissionDenied, "alice": 0} {
		code, items := postJSON(t, httpsClient(t, p.tls(t, who)), d.url, "", aclItem(aclGet, uidOf(key)))
		if code != http.StatusOK {
			t.Fatalf("%s over HTTPS: %d", who, code)
		}
		wantReason(t, who+"'s Get over HTTPS JSON", items[0], want)
	}
	if strings.Contains(d.stderr.String(), "full access") {
		t.Errorf("kmipd warned of full access with -client-ca:\n%s", d.stderr)
	}

	// The owner survives a restart.
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	d = startDaemon(t, args...)
	alice, bob = dialAs(t, d.binary, p.tls(t, "alice")), dialAs(t, d.binary, p.tls(t, "bob"))
	wantReason(t, "bob's Get after the restart", bob.one(aclItem(aclGet, uidOf(key))), aclPermissionDenied)
	wantReason(t, "alice's Get after the restart", alice.one(aclItem(aclGet, uidOf(key))), 0)
	if ids := located(bob.one(aclItem(aclLocate))); slices.Contains(ids, key) || len(ids) != 1 {
		t.Errorf("bob's Locate after the restart: %v, want his own key only", ids)
	}
}

// TestAccessIdentities: an -identities file names certificates: bob's
// digest and alice's Common Name both map to "team", who then share.
func TestAccessIdentities(t *testing.T) {
	p := newPKI(t, "alice", "bob", "carol")
	pair, err := tls.LoadX509KeyPair(p.clientCert["bob"], p.cliKeys["bob"])
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(pair.Certificate[0])
	ids := p.write(t, "identities", []byte("# who  certificate\nteam cn:alice\nteam sha256:"+hex.EncodeToString(digest[:])+"\n"))
	d := startDaemon(t, append(p.serverArgs(), "-http", "", "-identities", ids)...)
	key := createdUID(t, dialAs(t, d.binary, p.tls(t, "alice")).one(createAESItem()))
	wantReason(t, "bob (team) Get", dialAs(t, d.binary, p.tls(t, "bob")).one(aclItem(aclGet, uidOf(key))), 0)
	wantReason(t, "carol Get", dialAs(t, d.binary, p.tls(t, "carol")).one(aclItem(aclGet, uidOf(key))), aclPermissionDenied)

	bad := p.write(t, "bad", []byte("team sha256:abcd\n"))
	if err := run(context.Background(), append(p.serverArgs(), "-identities", bad), &bytes.Buffer{}, &bytes.Buffer{}); err == nil ||
		!strings.Contains(err.Error(), "bad:1") {
		t.Errorf("a bad -identities file: %v, want its line named", err)
	}
}

// TestAccessBearerTokens: with -tokens, HTTP requests need a valid token
// (401 without); each token is its identity; the binary transport, left
// without client authentication, is anonymous and refused objects.
func TestAccessBearerTokens(t *testing.T) {
	dir := t.TempDir()
	aliceTok, bobTok := "alice-0123456789abcdef", "bob-fedcba9876543210"
	tokens := filepath.Join(dir, "tokens")
	if err := os.WriteFile(tokens, []byte("alice "+aliceTok+"\nbob   "+bobTok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, "-tokens", tokens)
	hc := d.httpClient(t)
	for _, tok := range []string{"", "nope-nope-nope-nope", aliceTok + "x"} {
		if code, _ := postJSON(t, hc, d.url, tok, createAESItem()); code != http.StatusUnauthorized {
			t.Errorf("token %q: HTTP %d, want 401", tok, code)
		}
	}
	_, items := postJSON(t, hc, d.url, aliceTok, createAESItem())
	key := createdUID(t, items[0])
	_, items = postJSON(t, hc, d.url, bobTok, aclItem(aclGet, uidOf(key)))
	wantReason(t, "bob's Get", items[0], aclPermissionDenied)
	_, items = postJSON(t, hc, d.url, bobTok, aclItem(aclLocate))
	if ids := located(items[0]); len(ids) != 0 {
		t.Errorf("bob's Locate: %v", ids)
	}
	_, items = postJSON(t, hc, d.url, aliceTok, aclItem(aclGet, uidOf(key)))
	wantReason(t, "alice's Get", items[0], 0)

	anon := dialAs(t, d.binary, d.tlsConfig(t))
	wantReason(t, "anonymous binary Create", anon.one(createAESItem()), aclPermissionDenied)
	wantReason(t, "anonymous binary Get", anon.one(aclItem(aclGet, uidOf(key))), aclPermissionDenied)
	if !strings.Contains(d.stderr.String(), "binary transport has no client authentication") {
		t.Errorf("no warning about the anonymous binary transport:\n%s", d.stderr)
	}

	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("alice short\n"), 0o600)
	if err := run(context.Background(), []string{"-tokens", short}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil ||
		!strings.Contains(err.Error(), "shorter than") {
		t.Errorf("a short token: %v", err)
	}
}

// TestNoAuthenticationWarning: kmipd without client authentication says
// at start that anyone has full access.
func TestNoAuthenticationWarning(t *testing.T) {
	d := startDaemon(t, "-http", "")
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.stderr.String(), "anyone who reaches kmipd has full access") {
		t.Errorf("no warning:\n%s", d.stderr)
	}
	var errOut bytes.Buffer
	if err := run(context.Background(), []string{"-admin", "root"}, &bytes.Buffer{}, &errOut); err == nil {
		t.Error("-admin without client authentication accepted")
	}
}

// pyResult is one line of testdata/pykmip_access.py's output.
type pyResult struct {
	Step   string `json:"step"`
	OK     bool   `json:"ok"`
	Result any    `json:"result"`
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

func runPyAccess(t *testing.T, addr string, p *pki, who string, steps ...string) []pyResult {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{filepath.Join("testdata", "pykmip_access.py"), host, port, p.caFile, p.clientCert[who], p.cliKeys[who]}, steps...)
	cmd := exec.CommandContext(ctx, python, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pykmip_access.py as %s: %v\n%s\n%s", who, err, out, stderr.String())
	}
	var rs []pyResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r pyResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		rs = append(rs, r)
	}
	if len(rs) != len(steps) {
		t.Fatalf("%d results for %d steps:\n%s\n%s", len(rs), len(steps), out, stderr.String())
	}
	return rs
}

// TestPyKMIPAccess: PyKMIP's client against kmipd -client-ca, as the
// issue tried it: alice creates an AES key; bob's Locate does not list
// it, his Get and Destroy get Permission Denied; alice then Gets its 32
// bytes and Destroys it.
func TestPyKMIPAccess(t *testing.T) {
	needPyKMIP(t)
	p := newPKI(t, "alice", "bob")
	d := startDaemon(t, append(p.serverArgs(), "-http", "")...)
	r := runPyAccess(t, d.binary, p, "alice", "create")
	id, _ := r[0].Result.(string)
	if !r[0].OK || id == "" {
		t.Fatalf("alice's create: %+v", r[0])
	}
	r = runPyAccess(t, d.binary, p, "bob", "locate", "get="+id, "activate="+id, "destroy="+id)
	if ids, _ := r[0].Result.([]any); !r[0].OK || slices.Contains(ids, any(id)) {
		t.Errorf("bob's locate: %+v", r[0])
	}
	for _, s := range r[1:] {
		if s.OK || s.Reason != "PERMISSION_DENIED" {
			t.Errorf("bob's %s: %+v, want PERMISSION_DENIED", s.Step, s)
		}
	}
	r = runPyAccess(t, d.binary, p, "alice", "locate", "get="+id, "destroy="+id)
	if ids, _ := r[0].Result.([]any); !r[0].OK || !slices.Equal(ids, []any{id}) {
		t.Errorf("alice's locate: %+v", r[0])
	}
	if k, _ := r[1].Result.(string); !r[1].OK || len(k) != 64 {
		t.Errorf("alice's get: %+v, want 32 key bytes", r[1])
	}
	if !r[2].OK {
		t.Errorf("alice's destroy: %+v", r[2])
	}
}
