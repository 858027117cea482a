package textform_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/internal/textform"
	"github.com/kmipwire/kmipwire/ttlv"
)

// walkLog renders every token of a walk of msg with its depth, First and
// (for items) ValueTag.
// It walks with Next, and again with the Decoder, Step and Stop, and
// fails unless both give the same log.
func walkLog(t *testing.T, w *textform.TextWalker, msg []byte) string {
	t.Helper()
	log := walkLogWith(t, w, msg, w.Next)
	stepped := walkLogWith(t, w, msg, func() (ttlv.Item, error) {
		it, err := w.Decoder().NextToken()
		if err != nil {
			if err = w.Stop(err); err == nil {
				err = io.EOF
			}
			return it, err
		}
		w.Step(it)
		return it, nil
	})
	if stepped != log {
		t.Errorf("Decoder and Step:\n%sNext:\n%s", stepped, log)
	}
	return log
}

func walkLogWith(t *testing.T, w *textform.TextWalker, msg []byte, next func() (ttlv.Item, error)) string {
	t.Helper()
	w.Reset(msg, ttlv.DecodeOptions{})
	var b strings.Builder
	for {
		it, err := next()
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		if it.Type == ttlv.TypeEnd {
			fmt.Fprintf(&b, "%d end %s empty=%v\n", w.Depth(), it.Tag, w.First())
			continue
		}
		fmt.Fprintf(&b, "%d %s first=%v value=%s\n", w.Depth(), it.Tag, w.First(), w.ValueTag(it.Tag))
	}
}

// TestTextWalker: depths, first children, empty Structures and the
// Attribute Value resolution of KMIP 1.x Attributes (KMIP 1.4 §2.1.1),
// which holds only among siblings and is reset in each new Structure.
func TestTextWalker(t *testing.T) {
	var m []byte
	m, top := ttlv.BeginStructure(m, ttlv.TagTemplateAttribute)
	m, a1 := ttlv.BeginStructure(m, ttlv.TagAttribute)
	m = ttlv.AppendTextString(m, ttlv.TagAttributeName, "Cryptographic Usage Mask")
	m = ttlv.AppendInteger(m, ttlv.TagAttributeValue, 12)
	ttlv.EndStructure(m, a1)
	m, a2 := ttlv.BeginStructure(m, ttlv.TagAttribute)
	m = ttlv.AppendTextString(m, ttlv.TagAttributeName, "x-custom")
	m = ttlv.AppendTextString(m, ttlv.TagAttributeValue, "v")
	ttlv.EndStructure(m, a2)
	m, a3 := ttlv.BeginStructure(m, ttlv.TagAttribute)
	m = ttlv.AppendTextString(m, ttlv.TagAttributeName, "State")
	m, inner := ttlv.BeginStructure(m, ttlv.TagAttribute)
	ttlv.EndStructure(m, inner)
	m = ttlv.AppendEnumeration(m, ttlv.TagAttributeValue, 2)
	ttlv.EndStructure(m, a3)
	m = ttlv.AppendEnumeration(m, ttlv.TagAttributeValue, 2) // no name among these siblings
	ttlv.EndStructure(m, top)
	want := `0 TemplateAttribute first=true value=TemplateAttribute
1 Attribute first=true value=Attribute
2 AttributeName first=true value=AttributeName
2 AttributeValue first=false value=CryptographicUsageMask
1 end Attribute empty=false
1 Attribute first=false value=Attribute
2 AttributeName first=true value=AttributeName
2 AttributeValue first=false value=AttributeValue
1 end Attribute empty=false
1 Attribute first=false value=Attribute
2 AttributeName first=true value=AttributeName
2 Attribute first=false value=Attribute
2 end Attribute empty=true
2 AttributeValue first=false value=State
1 end Attribute empty=false
1 AttributeValue first=false value=AttributeValue
0 end TemplateAttribute empty=false
`
	var w textform.TextWalker
	if got := walkLog(t, &w, m); got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
	// Reused: the same walk again, then a lone primitive.
	if got := walkLog(t, &w, m); got != want {
		t.Errorf("second walk:\n%s", got)
	}
	if got := walkLog(t, &w, ttlv.AppendInteger(nil, ttlv.TagAttributeValue, 1)); got != "0 AttributeValue first=true value=AttributeValue\n" {
		t.Errorf("primitive: %q", got)
	}
	if n := testing.AllocsPerRun(50, func() {
		w.Reset(m, ttlv.DecodeOptions{})
		for {
			if _, err := w.Next(); err != nil {
				break
			}
		}
	}); n != 0 {
		t.Errorf("%v allocations per walk", n)
	}
}

// TestTextWalkerErrors: empty input is an error, a second message is not
// read (Sequence is ignored), malformed input gives the Decoder's error.
func TestTextWalkerErrors(t *testing.T) {
	var w textform.TextWalker
	w.Reset(nil, ttlv.DecodeOptions{})
	var te *ttlv.Error
	if _, err := w.Next(); !errors.Is(err, ttlv.ErrTruncated) || !errors.As(err, &te) {
		t.Errorf("empty input: %v", err)
	}
	w.Reset(nil, ttlv.DecodeOptions{})
	if _, err := w.Decoder().NextToken(); !errors.Is(w.Stop(err), ttlv.ErrTruncated) || !errors.As(w.Stop(err), &te) {
		t.Errorf("empty input, Stop: %v", w.Stop(err))
	}
	one := ttlv.AppendInteger(nil, ttlv.TagAttributeValue, 1)
	w.Reset(append(one, one...), ttlv.DecodeOptions{Sequence: true})
	if _, err := w.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Next(); !errors.Is(err, ttlv.ErrTrailing) {
		t.Errorf("two messages: %v, want ErrTrailing", err)
	}
	w.Reset(one[:5], ttlv.DecodeOptions{})
	if _, err := w.Next(); !errors.Is(err, ttlv.ErrTruncated) {
		t.Errorf("truncated: %v", err)
	}
}

// BenchmarkTextWalker: the cost of the walker's bookkeeping over a bare
// NextToken walk, on a message of 100 batch items (testdata/corpus).
func BenchmarkTextWalker(b *testing.B) {
	msg, err := os.ReadFile("../../testdata/corpus/get-batch-100.ttlv")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("NextToken", func(b *testing.B) {
		var d ttlv.Decoder
		b.ReportAllocs()
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			d.Reset(msg, ttlv.DecodeOptions{})
			for {
				if _, err := d.NextToken(); err != nil {
					break
				}
			}
		}
	})
	b.Run("TextWalker", func(b *testing.B) {
		var w textform.TextWalker
		b.ReportAllocs()
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			w.Reset(msg, ttlv.DecodeOptions{})
			for {
				if _, err := w.Next(); err != nil {
					break
				}
			}
		}
	})
}
