package kmipserver

import (
	"bytes"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestQueryDefaultsVersion: Query Defaults Information answers the
// Object Defaults as the request's version has them. 3.0 gets them as
// set; 2.1 without the 3.0 draft's Object Types (a User) and attributes
// (Object Class, 3.0 draft §4.40); 2.0 without them too, and, as its
// Object Defaults is one Object Type and Attributes (2.0 §7.18 Table
// 338: no Object Types, no Object Groups), one Object Defaults a type
// and none of those for some Object Groups only.
func TestQueryDefaultsVersion(t *testing.T) {
	s := newTestServer()
	h20, h30 := hdr{major: 2, minor: 0}, hdr{major: 3, minor: 0, noCount: true}
	types := func(ts ...uint32) v {
		ot := st(ttlv.TagObjectTypes)
		for _, t := range ts {
			ot.Children = append(ot.Children, enum(ttlv.TagObjectType, t))
		}
		return ot
	}
	aes128 := st(ttlv.TagAttributes, enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 128))
	contact := st(ttlv.TagAttributes, str(ttlv.TagContactInformation, "ops"))
	multi := st(ttlv.TagObjectDefaults, types(objSymmetricKey, objSecretData), aes128)
	grouped := objectDefaultsFor(objSymmetricKey, []string{"g"}, enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 256))
	users := objectDefaultsFor(objUser, nil, str(ttlv.TagContactInformation, "ops"))
	mixed := st(ttlv.TagObjectDefaults, types(objSecretData, objUser), contact)
	classed := objectDefaultsFor(objSymmetricKey, nil, str(ttlv.TagContactInformation, "ops"), enum(ttlv.TagObjectClass, objectClassUser))
	ok(t, &do(t, s, h30, setDefaultsItem(multi, grouped, users, mixed, classed)).items[0])

	one := func(typ uint32, attrs v) v { return st(ttlv.TagObjectDefaults, enum(ttlv.TagObjectType, typ), attrs) }
	for _, tc := range []struct {
		h    hdr
		want []v
	}{
		{h30, []v{multi, grouped, users, mixed, classed}},
		{v21, []v{multi, grouped, st(ttlv.TagObjectDefaults, types(objSecretData), contact), one(objSymmetricKey, contact)}},
		{h20, []v{one(objSymmetricKey, aes128), one(objSecretData, aes128), one(objSecretData, contact), one(objSymmetricKey, contact)}},
	} {
		h := tc.h
		di := ok(t, &do(t, s, h, item(opQuery, enum(ttlv.TagQueryFunction, queryDefaultsInformation))).items[0]).Child(ttlv.TagDefaultsInformation)
		if di == nil {
			t.Errorf("%d.%d: no Defaults Information", h.major, h.minor)
			continue
		}
		same := len(di.Children) == len(tc.want)
		for i := 0; same && i < len(di.Children); i++ {
			same = bytes.Equal(ttlv.Marshal(&di.Children[i]), ttlv.Marshal(&tc.want[i]))
		}
		if !same {
			t.Errorf("%d.%d Query Defaults Information:\n%s\nwant %d Object Defaults:\n%v", h.major, h.minor, di, len(tc.want), tc.want)
		}
	}
}
