// Package conform runs the OASIS KMIP profile test cases — XML files of
// RequestMessage and ResponseMessage pairs in the form of KMIP Additional
// Message Encodings v1.0 §5 — against the codecs (XML → binary → JSON →
// binary → XML, byte-exact and structurally equal) and, through a
// RoundTripper, against a server (requests replayed in order, responses
// compared structurally with the placeholders of the test case bound).
//
// # Placeholders
//
// The test cases write "$NAME" where a value varies from run to run:
// "$NOW", "$NOW-3600" (Date-Times), "$UNIQUE_IDENTIFIER_0" (Text Strings),
// "$CORRELATION_VALUE", "$KEY_MATERIAL_0", … (Byte Strings). The codec check
// substitutes a deterministic value of the item's type (Placeholders) and
// compares the output with that value. The server replay binds a name the
// first time a response carries it and substitutes the bound value in later
// requests and expected responses; Date-Times are the run's clock.
package conform

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

// Registry returns the tables used to read the test cases: the built-in
// ones plus the PKCS#11 names that the PKCS11 profile test cases write as
// enumeration values, which KMIP 2.1 §11.38–§11.39 defines only by
// reference to PKCS#11: a PKCS#11 Function is the 1-based position of the
// function in CK_FUNCTION_LIST_3_0 (C_Initialize 1, C_Finalize 2,
// C_GetInfo 3), a PKCS#11 Return Code the CK_RV value (CKR_OK 0). The
// returned Registry is shared and must not be modified.
var Registry = sync.OnceValue(func() *ttlv.Registry {
	r := ttlv.NewRegistry()
	for _, d := range []struct {
		tag  ttlv.Tag
		v    uint32
		name string
	}{
		{0x42015A, 1, "C_Initialize"},
		{0x42015A, 2, "C_Finalize"},
		{0x42015A, 3, "C_GetInfo"},
		{0x42015A, 4, "C_GetFunctionList"},
		{0x42015D, 0, "OK"},
	} {
		if _, ok := ttlv.LookupEnum(d.tag, d.name); ok {
			continue // built in already
		}
		if err := r.DefineEnum(d.tag, d.v, d.name); err != nil {
			panic(fmt.Sprintf("conform: PKCS#11 name %s: %v", d.name, err))
		}
	}
	return r
})

// Message is one RequestMessage or ResponseMessage of a test case, as
// written in the file.
type Message struct {
	// Index counts the file's messages from 0.
	Index int
	// Line is where the element starts in the file.
	Line int
	// Tag is the element's tag (RequestMessage or ResponseMessage).
	Tag ttlv.Tag
	// XML is the element's text.
	XML []byte
}

// TestCase is one test-case file.
type TestCase struct {
	// Path is the file's path; Profile the directory it was found in,
	// relative to the directory walked ("oasis-profiles-v2.1/mandatory").
	Path, Profile string
	// Messages holds the messages read up to the end or to Err.
	Messages []Message
	// Err, when not nil, is why the file could not be read whole: an
	// *xmlttlv.Error wrapping xmlttlv.ErrSyntax for a file that is not
	// well-formed XML, or another *xmlttlv.Error for a message that does
	// not convert (its Messages end before it).
	Err error
	// KMIP10 reports a document of the KMIP 1.0 profile test cases, whose
	// root element is <KmipTestCase> and whose responses carry the reference
	// run's Date-Times literally where later suites write "$NOW" (see
	// Replay).
	KMIP10 bool
}

// NotWellFormed reports whether tc could not be read because the file is
// not well-formed XML.
func (tc *TestCase) NotWellFormed() bool {
	return tc.Err != nil && errors.Is(tc.Err, xmlttlv.ErrSyntax)
}

// Load reads a test-case file and splits it into messages. The returned
// error is for I/O only; a file that is not well-formed is a TestCase with
// Err set.
func Load(path, profile string) (*TestCase, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("conform: %w", err)
	}
	return Parse(src, path, profile), nil
}

// Parse splits the test-case document src into messages; path and
// profile are recorded as they are. A KMIP 1.0 test case (a <KmipTestCase>
// document) first has its Attribute Names repaired (see repairNames).
func Parse(src []byte, path, profile string) *TestCase {
	tc := &TestCase{Path: path, Profile: profile}
	src, tc.KMIP10 = repairNames(src)
	ph := newPlaceholders()
	d := xmlttlv.NewDecoder(src, xmlttlv.DecodeOptions{Registry: Registry(), Placeholder: ph.codec})
	var bin []byte
	for i := 0; ; i++ {
		var err error
		bin, err = d.Next(bin[:0])
		if err != nil {
			if !errors.Is(err, io.EOF) {
				tc.Err = err
			}
			return tc
		}
		start, end := d.Span()
		line, _ := d.LineCol(start)
		tag, _, _, _ := ttlv.ConsumeHeader(bin)
		tc.Messages = append(tc.Messages, Message{Index: i, Line: line, Tag: tag, XML: src[start:end]})
	}
}

// File is a test-case file found by Walk.
type File struct {
	// Path is the file's path; Profile the directory it is in, relative
	// to the directory walked ("oasis-profiles-v2.1/mandatory").
	Path, Profile string
}

// Walk finds the *.xml files under each directory, sorted, with their
// profile: the directory of the file relative to the root given.
func Walk(roots ...string) ([]File, error) {
	var out []File
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".xml") {
				return nil
			}
			rel, err := filepath.Rel(root, filepath.Dir(p))
			if err != nil {
				return err
			}
			if rel == "." {
				rel = filepath.Base(root)
			}
			out = append(out, File{Path: p, Profile: filepath.ToSlash(rel)})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("conform: %w", err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// epoch is the "$NOW" of the codec check: a fixed instant, so that runs
// are reproducible.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// placeholders substitutes deterministic values for one message and
// remembers them by item index, for the comparison.
type placeholders struct {
	now   time.Time
	byIdx map[int]string
	bound map[string]string // names bound by the server replay
	// implicit resolves, after bound, the names of literal response values
	// (see bindResponse).
	implicit map[string]string
}

func newPlaceholders() *placeholders {
	return &placeholders{now: epoch, byIdx: map[int]string{}}
}

// codec is the xmlttlv Placeholder hook of the codec check.
func (p *placeholders) codec(ph xmlttlv.Placeholder) ([]byte, error) {
	v, err := p.value(ph.Type, string(ph.Value))
	if err != nil {
		return nil, err
	}
	p.byIdx[ph.Item] = v
	return []byte(v), nil
}

// value returns the text to use for placeholder name in an item of type
// typ: a bound value, else a deterministic one.
func (p *placeholders) value(typ ttlv.Type, name string) (string, error) {
	if v, ok := p.bound[name]; ok {
		return v, nil
	}
	if v, ok := p.implicit[name]; ok {
		return v, nil
	}
	if typ == ttlv.TypeDateTime || typ == ttlv.TypeDateTimeExtended {
		t, err := p.time(name)
		if err != nil {
			return "", err
		}
		return t.UTC().Format(time.RFC3339), nil
	}
	return Deterministic(typ, name), nil
}

// time resolves "$NOW", "$NOW+N" and "$NOW-N" (seconds).
func (p *placeholders) time(name string) (time.Time, error) {
	rest, ok := strings.CutPrefix(name, "$NOW")
	if !ok {
		return time.Time{}, fmt.Errorf("not a $NOW placeholder in a Date-Time")
	}
	if rest == "" {
		return p.now, nil
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad offset %q", rest)
	}
	return p.now.Add(time.Duration(n) * time.Second), nil
}

// Deterministic returns the value the codec check gives placeholder name in
// an item of type typ: Text Strings keep the name; Byte Strings and Big
// Integers take 16 bytes of SHA-256 of the name; numbers are 0; Booleans
// false. Date-Times are epoch-based (see placeholders).
func Deterministic(typ ttlv.Type, name string) string {
	switch typ {
	case ttlv.TypeByteString, ttlv.TypeBigInteger:
		h := sha256.Sum256([]byte(name))
		return hex.EncodeToString(h[:16])
	case ttlv.TypeInteger, ttlv.TypeLongInteger, ttlv.TypeInterval:
		return "0"
	case ttlv.TypeEnumeration:
		return "0x00000000"
	case ttlv.TypeBoolean:
		return "false"
	}
	return name
}

// kmip10Root starts a KMIP 1.0 profile test case (the files of
// oasis-profiles-v1.0-mandatory), once any XML declaration and comments
// are skipped.
const kmip10Root = "<KmipTestCase>"

// repairNames undoes a fault of the KMIP 1.0 test-case files: their
// extraction from the 1.0 documents turned the first space of most
// Attribute Names into three ("Cryptographic   Usage Mask"; 337 of them in
// the 57 files), which no server can match against the specification's
// names (KMIP 1.0 §3). In a <KmipTestCase> document, each run of spaces
// inside an AttributeName's value becomes one space; other documents, and
// other items, are returned as they are.
func repairNames(src []byte) (_ []byte, kmip10 bool) {
	i := strings.Index(string(src), kmip10Root)
	if i < 0 || strings.TrimLeft(string(src[:i]), " \t\r\n") != "" && !strings.HasPrefix(strings.TrimSpace(string(src[:i])), "<?xml") {
		return src, false
	}
	const open = `<AttributeName type="TextString" value="`
	out := make([]byte, 0, len(src))
	rest := src
	for {
		j := strings.Index(string(rest), open)
		if j < 0 {
			return append(out, rest...), true
		}
		j += len(open)
		out = append(out, rest[:j]...)
		rest = rest[j:]
		end := strings.IndexByte(string(rest), '"')
		if end < 0 {
			return append(out, rest...), true
		}
		for k := 0; k < end; k++ {
			if rest[k] == ' ' && k > 0 && rest[k-1] == ' ' {
				continue
			}
			out = append(out, rest[k])
		}
		rest = rest[end:]
	}
}
