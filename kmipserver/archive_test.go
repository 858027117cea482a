package kmipserver

import (
	"fmt"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestArchiveRecover: an archived key answers Object Archived to Get and
// Encrypt, keeps its attributes readable with an Archive Date, cannot be
// archived twice; Recover brings it back (and fails on a key that is not
// archived); a destroyed key cannot be archived.
func TestArchiveRecover(t *testing.T) {
	for _, h := range []hdr{{major: 1, minor: 4}, v21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			id := ok(t, &do(t, s, h, createAES(h, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			ok(t, &do(t, s, h, item(opActivate, uid(id))).items[0])
			enc := item(opEncrypt, uid(id), st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeECB)),
				bstr(ttlv.TagData, make([]byte, 16)))
			ok(t, &do(t, s, h, enc).items[0])
			failed(t, &do(t, s, h, item(opRecover, uid(id))).items[0], rrInvalidField)
			if got := ok(t, &do(t, s, h, item(opArchive, uid(id))).items[0]).Child(ttlv.TagUniqueIdentifier).Text(); got != id {
				t.Fatalf("Archive answered %q", got)
			}
			failed(t, &do(t, s, h, item(opGet, uid(id))).items[0], rrObjectArchived)
			failed(t, &do(t, s, h, enc).items[0], rrObjectArchived)
			failed(t, &do(t, s, h, item(opArchive, uid(id))).items[0], rrObjectArchived)
			found := false
			for _, a := range attrsOf(t, h, ok(t, &do(t, s, h, item(opGetAttributes, uid(id))).items[0])) {
				found = found || a.Tag == ttlv.TagArchiveDate && a.Num == fixedNow.Unix()
			}
			if !found {
				t.Error("no Archive Date")
			}
			ok(t, &do(t, s, h, item(opRecover, uid(id))).items[0])
			ok(t, &do(t, s, h, item(opGet, uid(id))).items[0])
			ok(t, &do(t, s, h, enc).items[0])
			ok(t, &do(t, s, h, item(opRevoke, uid(id), st(ttlv.TagRevocationReason, enum(ttlv.TagRevocationReasonCode, 1)))).items[0])
			ok(t, &do(t, s, h, item(opDestroy, uid(id))).items[0])
			if r := do(t, s, h, item(opArchive, uid(id))); r.items[0].Child(ttlv.TagResultStatus).Num == 0 {
				t.Error("a destroyed key was archived")
			}
		})
	}
}
