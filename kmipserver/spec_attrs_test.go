package kmipserver

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

var v21 = hdr{major: 2, minor: 1}

// attrOf returns the attribute tagged t of a 2.x Get Attributes answer.
func attrOf(t *testing.T, s *Server, id string, tag ttlv.Tag) *v {
	t.Helper()
	p := ok(t, &do(t, s, v21, item(opGetAttributes, uid(id), enum(ttlv.TagAttributeReference, uint32(tag)))).items[0])
	return p.Child(ttlv.TagAttributes).Child(tag)
}

// TestServerSetAttributes: Short Unique Identifier is SHA-256 of the
// Unique Identifier (2.1 §4.56), Fresh true until Get serves the key
// (§4.24), Key Format Type and Protection Storage Mask set (§4.26, §4.44),
// and none of the 2.x ones shown to a 1.4 client.
func TestServerSetAttributes(t *testing.T) {
	s := newTestServer()
	id := ok(t, &do(t, s, v21, createAES(v21, 256)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	sum := sha256.Sum256([]byte(id))
	if a := attrOf(t, s, id, ttlv.TagShortUniqueIdentifier); a == nil || !bytes.Equal(a.Bytes, sum[:]) {
		t.Errorf("Short Unique Identifier %v, want %x", a, sum)
	}
	if a := attrOf(t, s, id, ttlv.TagKeyFormatType); a == nil || uint32(a.Num) != kfRaw {
		t.Errorf("Key Format Type %v", a)
	}
	if a := attrOf(t, s, id, ttlv.TagProtectionStorageMask); a == nil || a.Num != protectionSoftware {
		t.Errorf("Protection Storage Mask %v", a)
	}
	if a := attrOf(t, s, id, ttlv.TagFresh); a == nil || a.Num != 1 {
		t.Fatalf("Fresh before Get: %v", a)
	}
	ok(t, &do(t, s, v21, item(opGet, uid(id))).items[0])
	if a := attrOf(t, s, id, ttlv.TagFresh); a == nil || a.Num != 0 {
		t.Errorf("Fresh after Get: %v", a)
	}
	h14 := hdr{major: 1, minor: 4}
	for _, a := range attrsOf(t, h14, ok(t, &do(t, s, h14, item(opGetAttributes, uid(id))).items[0])) {
		if a.Tag == ttlv.TagShortUniqueIdentifier || a.Tag == ttlv.TagProtectionStorageMask || a.Tag == ttlv.TagKeyFormatType {
			t.Errorf("1.4 client sees the 2.x attribute %s", a.Tag)
		}
	}
}

// TestUsageLimits: a key limited to 16 bytes encrypts 16 bytes once, then
// Permission Denied (2.1 §4.59, §6.1.18); Decrypt is not limited.
func TestUsageLimits(t *testing.T) {
	s := newTestServer()
	lim := st(ttlv.TagUsageLimits, ttlv.LongInteger(ttlv.TagUsageLimitsTotal, 16),
		ttlv.LongInteger(ttlv.TagUsageLimitsCount, 1000), enum(ttlv.TagUsageLimitsUnit, usageUnitByte))
	id := ok(t, &do(t, s, v21, createAES(v21, 128, lim)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	ok(t, &do(t, s, v21, item(opActivate, uid(id))).items[0])
	if u := attrOf(t, s, id, ttlv.TagUsageLimits); u == nil || u.Child(ttlv.TagUsageLimitsCount).Num != 16 {
		t.Errorf("Usage Limits before use: %v (the client's Count is ignored)", u)
	}
	ecb := st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeECB))
	data := bytes.Repeat([]byte{7}, 16)
	enc := item(opEncrypt, uid(id), ecb, bstr(ttlv.TagData, data))
	ct := ok(t, &do(t, s, v21, enc).items[0]).Child(ttlv.TagData).Bytes
	failed(t, &do(t, s, v21, enc).items[0], rrPermissionDenied)
	if u := attrOf(t, s, id, ttlv.TagUsageLimits); u == nil || u.Child(ttlv.TagUsageLimitsCount) == nil ||
		u.Child(ttlv.TagUsageLimitsCount).Num != 0 || u.Child(ttlv.TagUsageLimitsTotal).Num != 16 {
		t.Errorf("Usage Limits after use: %v", u)
	}
	pt := ok(t, &do(t, s, v21, item(opDecrypt, uid(id), ecb, bstr(ttlv.TagData, ct))).items[0]).Child(ttlv.TagData).Bytes
	if !bytes.Equal(pt, data) {
		t.Errorf("decrypted %x", pt)
	}
}

// TestQuantumSafe: Create or Register of a Quantum Safe AES-128 key fails
// (QS-M-2), of an AES-256 key succeeds.
func TestQuantumSafe(t *testing.T) {
	s := newTestServer()
	qs := ttlv.Boolean(ttlv.TagQuantumSafe, true)
	failed(t, &do(t, s, v21, createAES(v21, 128, qs)).items[0], rrGeneralFailure)
	ok(t, &do(t, s, v21, createAES(v21, 256, qs)).items[0])
	reg := func(n int) v {
		return item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes, qs),
			symKey(kfRaw, make([]byte, n), algAES, int32(8*n)))
	}
	failed(t, &do(t, s, v21, reg(16)).items[0], rrGeneralFailure)
	ok(t, &do(t, s, v21, reg(32)).items[0])
}

// TestStreamedGCM: an AES-GCM Encrypt in parts (Init Indicator,
// Correlation Value, Final Indicator) gives the one-shot ciphertext and
// tag, for an 8-byte IV as in CS-BC-M-GCM-3 and the usual 12 bytes,
// with parts of any length; a closed stream's Correlation Value fails.
func TestStreamedGCM(t *testing.T) {
	s := newTestServer()
	key := bytes.Repeat([]byte{0x42}, 16)
	reg := item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey),
		st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt))),
		symKey(kfRaw, key, algAES, 128))
	id := ok(t, &do(t, s, v21, reg).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	ok(t, &do(t, s, v21, item(opActivate, uid(id))).items[0])
	gcm := st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeGCM), integer(ttlv.TagTagLength, 16))
	aad := []byte("additional")
	for _, iv := range [][]byte{[]byte("8bytesIV"), []byte("twelve bytes")} {
		parts := [][]byte{[]byte("first part, "), {}, []byte("s"), bytes.Repeat([]byte("second part, "), 9), []byte("the end")}
		var got, tag, cv []byte
		for i, part := range parts {
			fields := []v{uid(id), gcm, bstr(ttlv.TagData, part)}
			switch i {
			case 0:
				fields = append(fields, bstr(ttlv.TagIVCounterNonce, iv), ttlv.Boolean(ttlv.TagInitIndicator, true),
					bstr(ttlv.TagAuthenticatedEncryptionAdditionalData, aad))
			case len(parts) - 1:
				fields = append(fields, bstr(ttlv.TagCorrelationValue, cv), ttlv.Boolean(ttlv.TagFinalIndicator, true))
			default:
				fields = append(fields, bstr(ttlv.TagCorrelationValue, cv))
			}
			p := ok(t, &do(t, s, v21, item(opEncrypt, fields...)).items[0])
			got = append(got, p.Child(ttlv.TagData).Bytes...)
			if i < len(parts)-1 {
				cv = p.Child(ttlv.TagCorrelationValue).Bytes
			} else {
				tag = p.Child(ttlv.TagAuthenticatedEncryptionTag).Bytes
			}
		}
		blk, _ := aes.NewCipher(key)
		aead, _ := cipher.NewGCMWithNonceSize(blk, len(iv))
		want := aead.Seal(nil, iv, bytes.Join(parts, nil), aad)
		if !bytes.Equal(append(got, tag...), want) {
			t.Errorf("IV %q: streamed %x %x, want %x", iv, got, tag, want)
		}
		// the stream is closed: its Correlation Value is no longer known
		fields := []v{uid(id), gcm, bstr(ttlv.TagData, parts[0]), bstr(ttlv.TagCorrelationValue, cv)}
		failed(t, &do(t, s, v21, item(opEncrypt, fields...)).items[0], rrInvalidField)
	}
}

// TestLease: new objects carry the server's Lease Time (one hour by
// default; Config.LeaseTime), which Obtain Lease grants with the Last
// Change Date (2.1 §4.30, §6.1.35); a negative Config.LeaseTime means
// no lease limit, Lease Time 0.
func TestLease(t *testing.T) {
	for _, tc := range []struct {
		cfg  time.Duration
		want int64
	}{{0, 3600}, {90 * time.Second, 90}, {-1, 0}} {
		s := New(Config{Now: func() time.Time { return fixedNow }, Rand: &detRand{}, LeaseTime: tc.cfg})
		id := ok(t, &do(t, s, v21, createAES(v21, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		if a := attrOf(t, s, id, ttlv.TagLeaseTime); a == nil || a.Num != tc.want {
			t.Errorf("LeaseTime %v: attribute %v, want %d", tc.cfg, a, tc.want)
		}
		p := ok(t, &do(t, s, v21, item(opObtainLease, uid(id))).items[0])
		if lt := p.Child(ttlv.TagLeaseTime); lt == nil || lt.Num != tc.want {
			t.Errorf("LeaseTime %v: Obtain Lease %v, want %d", tc.cfg, lt, tc.want)
		}
		if lc := p.Child(ttlv.TagLastChangeDate); lc == nil || lc.Num != fixedNow.Unix() {
			t.Errorf("Last Change Date %v", lc)
		}
	}
}

// TestCheck: Check answers the Unique Identifier when the usage asked
// for is allowed; otherwise it empties the ID Placeholder (a following
// Get fails) and, in KMIP 1.x, answers the refused values without the
// identifier, in 2.x fails with the reason of the first refusal.
func TestCheck(t *testing.T) {
	for _, h := range []hdr{{major: 1, minor: 4}, v21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			lim := st(ttlv.TagUsageLimits, ttlv.LongInteger(ttlv.TagUsageLimitsTotal, 100), enum(ttlv.TagUsageLimitsUnit, usageUnitByte))
			id := ok(t, &do(t, s, h, createAES(h, 128, lim)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			p := ok(t, &do(t, s, h, item(opCheck, uid(id), ttlv.LongInteger(ttlv.TagUsageLimitsCount, 100),
				integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt)), ttlv.Interval(ttlv.TagLeaseTime, 3600))).items[0])
			if got := p.Child(ttlv.TagUniqueIdentifier); got == nil || got.Text() != id || len(p.Children) != 1 {
				t.Errorf("allowed Check: %s", p.String())
			}
			hc := h
			hc.cont = batch.Continue // the Get runs after a failed 2.x Check
			r := do(t, s, hc, item(opCheck, uid(id), ttlv.LongInteger(ttlv.TagUsageLimitsCount, 101),
				integer(ttlv.TagCryptographicUsageMask, int32(usageSign)), ttlv.Interval(ttlv.TagLeaseTime, 3601)),
				item(opGet))
			if h.major < 2 {
				p = ok(t, &r.items[0])
				if p.Child(ttlv.TagUniqueIdentifier) != nil || len(p.Children) != 3 ||
					p.Child(ttlv.TagUsageLimitsCount).Num != 101 || p.Child(ttlv.TagCryptographicUsageMask).Num != int64(usageSign) ||
					p.Child(ttlv.TagLeaseTime).Num != 3601 {
					t.Errorf("refused Check: %s", p.String())
				}
			} else {
				failed(t, &r.items[0], rrIncompatibleUsageMask)
				failed(t, &do(t, s, h, item(opCheck, uid(id), ttlv.LongInteger(ttlv.TagUsageLimitsCount, 101))).items[0], rrUsageLimitExceeded)
				failed(t, &do(t, s, h, item(opCheck, uid(id), ttlv.Interval(ttlv.TagLeaseTime, 3601))).items[0], rrPermissionDenied)
			}
			failed(t, &r.items[1], rrMissingData)
		})
	}
}

// TestLogInterop: Log answers an empty payload; Interop only when
// Config.Interop enables it (and Query lists it only then), never for
// KMIP 1.x.
func TestLogInterop(t *testing.T) {
	interop := item(opInterop, enum(ttlv.TagInteropFunction, interopBegin), str(ttlv.TagInteropIdentifier, "BL-M-1-21"))
	lists := func(s *Server, h hdr) bool {
		p := ok(t, &do(t, s, h, item(opQuery, enum(ttlv.TagQueryFunction, queryOperations))).items[0])
		for _, ch := range p.Children {
			if ch.Tag == ttlv.TagOperation && uint32(ch.Num) == opInterop {
				return true
			}
		}
		return false
	}
	s := newTestServer()
	if p := ok(t, &do(t, s, v21, item(opLog, str(ttlv.TagLogMessage, "hello"))).items[0]); len(p.Children) != 0 {
		t.Errorf("Log answered %s", p.String())
	}
	failed(t, &do(t, s, v21, interop).items[0], rrOperationNotSupported)
	if lists(s, v21) {
		t.Error("Query lists Interop, not enabled")
	}
	s = New(Config{Now: func() time.Time { return fixedNow }, Rand: &detRand{}, Interop: true})
	ok(t, &do(t, s, v21, interop).items[0])
	if !lists(s, v21) {
		t.Error("Query does not list Interop, enabled")
	}
	h14 := hdr{major: 1, minor: 4}
	failed(t, &do(t, s, h14, interop).items[0], rrOperationNotSupported)
	if lists(s, h14) {
		t.Error("Query lists Interop for KMIP 1.4")
	}
}
