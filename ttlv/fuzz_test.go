package ttlv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
)

// FuzzDecode: whatever the input, decoding never panics; the walk, the tree
// decoder and a reader-backed decoder fed a few bytes at a time agree on
// success or on the error's sentinel and offset; and every accepted
// message re-encodes to exactly its input.
func FuzzDecode(f *testing.F) {
	for _, tc := range specExamples {
		f.Add(h(tc.hex))
	}
	for _, tc := range malformed {
		f.Add(tc.in[:min(len(tc.in), 4096)])
	}
	files, _ := filepath.Glob("../testdata/corpus/*.ttlv")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		opts := DecodeOptions{MaxMessageSize: 1 << 20}
		walkErr := walk(NewDecoder(in, opts))

		// Validate's fused loop accepts exactly what the Decoder accepts,
		// and reports the Decoder's error (but refuses empty input, which
		// the Decoder reads as an empty sequence).
		vErr := Validate(in, opts)
		if len(in) > 0 && ((vErr == nil) != (walkErr == nil) || (vErr != nil && vErr.Error() != walkErr.Error())) {
			t.Fatalf("Validate: %v\nDecoder: %v", vErr, walkErr)
		}

		var v Value
		treeErr := UnmarshalOptions(in, &v, opts)
		if (walkErr == nil) != (treeErr == nil) && len(in) > 0 {
			t.Fatalf("walk: %v, tree: %v", walkErr, treeErr)
		}

		rd := NewReaderDecoder(bufio.NewReaderSize(iotest.HalfReader(bytes.NewReader(in)), 16), opts)
		readErr := walk(rd)
		if walkErr == nil && readErr != nil {
			t.Fatalf("bytes accepted, reader: %v", readErr)
		}
		var we, re *Error
		if errors.As(walkErr, &we) && errors.As(readErr, &re) && !errors.Is(walkErr, ErrTrailing) {
			if we.Offset != re.Offset || !sameSentinel(walkErr, readErr) {
				t.Fatalf("bytes: %v\nreader: %v", walkErr, readErr)
			}
		}

		if treeErr == nil {
			if out := Marshal(&v); !bytes.Equal(out, in) {
				t.Fatalf("re-encoding differs:\n in  %x\n out %x", in, out)
			}
		}
	})
}

func sameSentinel(a, b error) bool {
	for _, s := range []error{ErrTruncated, ErrType, ErrLength, ErrPadding, ErrBoolean, ErrUTF8, ErrOverrun, ErrDepth, ErrTooLarge} {
		if errors.Is(a, s) {
			return errors.Is(b, s)
		}
	}
	return false
}

// FuzzDecodeValueTwin: DecodeValue builds the tree its definition builds
// (refDecodeValue, filltree_test.go), into a fresh tree and into one built
// from the same input before, and leaves the Decoder as the walk does,
// with the same error, under each of twinOptions (strict, the Lax
// options, a small MaxDepth, a sequence, a small message size).
func FuzzDecodeValueTwin(f *testing.F) {
	for _, in := range twinInputs(f) {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, opts := range twinOptions {
			checkTwin(t, nil, in, opts)
			checkTwin(t, in, in, opts)
		}
	})
}

// FuzzAppendValue: AppendValue writes what refAppendValue writes, for a
// tree built from the input (any types, tags, numbers and lengths) and,
// when the input decodes, for its tree, also encoded back in place.
func FuzzAppendValue(f *testing.F) {
	files, _ := filepath.Glob("../testdata/corpus/*.ttlv")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, in := range twinInputs(f) {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v := treeFrom(in)
		checkAppendValue(t, "tree from input", &v)
		for i, v := range decodeAll(in) {
			checkAppendValue(t, fmt.Sprintf("decoded item %d", i), &v)
		}
		checkInPlace(t, "decoded", in)
	})
}
