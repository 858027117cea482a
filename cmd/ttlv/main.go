// Command ttlv reads a KMIP message in any form kmipwire supports — binary
// TTLV, hex text with or without spaces and newlines, the JSON form or the
// XML form (KMIP Additional Message Encodings §4 and §5) — and writes it as
// an indented dump, as hex, as raw binary, as JSON or as XML.
//
// Usage:
//
//	ttlv dump   [flags] [FILE]   indented tree: offsets, tag names, types, values
//	ttlv hex    [flags] [FILE]   the message as lower-case hex, one line
//	ttlv binary [flags] [FILE]   the message as raw binary TTLV
//	ttlv json   [flags] [FILE]   the message as JSON (-indent for one field per line)
//	ttlv xml    [flags] [FILE]   the message as XML (-indent for one element per line)
//
// XML input may hold several messages, one after the other or inside a
// <KMIP> element as the OASIS test-case files do; they are converted in
// turn, and several messages are written back as XML inside <KMIP>.
//
// With no FILE, or FILE "-", it reads standard input. The input is
// validated strictly (KMIP 2.1 §10.1) unless -lax is given; JSON is strict
// RFC 8259 unless -lenient is given (trailing commas and the other slips of
// copy-pasted documentation, Cosmian KMS 4.x's message part names). The
// json command can write enumerations and masks as numbers (-numbers) and
// leave out the Structure type (-omit-structure-type). "ttlv -h" lists
// each command's flags. On bad input it exits with status 1 and
// prints one line naming the byte offset (JSON: line and column), the tag
// path and what was wrong.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage: ttlv <command> [flags] [FILE]

Commands:
  dump     write an indented tree: offset, tag name, type, value
  hex      write the message as lower-case hex
  binary   write the message as raw binary TTLV
  json     write the message as JSON (KMIP Additional Message Encodings §4)
  xml      write the message as XML (KMIP Additional Message Encodings §5)

Input (FILE or standard input) may be binary TTLV, hex text (spaces,
newlines and a leading 0x allowed), JSON or XML; the form is detected.
"ttlv <command> -h" lists one command's flags.
`

// commands lists the commands in the order of the usage text.
var commands = []string{"dump", "hex", "binary", "json", "xml"}

// options are the flags, each defined for the commands it applies to
// (see newFlags).
type options struct {
	lax, lenient, noOffsets, indent, cosmian, numbers, omitStructureType bool
	maxSize                                                              int
}

// newFlags returns the flag set of cmd: the input flags every command
// takes, then its own.
func newFlags(cmd string, stderr io.Writer) (*flag.FlagSet, *options) {
	o := &options{}
	fs := flag.NewFlagSet("ttlv "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	inputFlags(fs, o)
	commandFlags(fs, o, cmd)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: ttlv %s [flags] [FILE]\n\nFlags:\n", cmd)
		fs.PrintDefaults()
	}
	return fs, o
}

// inputFlags defines the flags of every command: how the input is read.
func inputFlags(fs *flag.FlagSet, o *options) {
	fs.BoolVar(&o.lax, "lax", false, "accept non-zero padding, Booleans other than 0/1 and invalid UTF-8")
	fs.IntVar(&o.maxSize, "max-size", 64<<20, "largest input accepted, in `bytes`")
	fs.BoolVar(&o.lenient, "lenient", false, "JSON input: read what copy-pasted documentation holds — trailing commas, tag names in another letter case, a missing ']', Cosmian KMS 4.x's Message/Header/Items")
}

// commandFlags defines the flags of cmd alone.
func commandFlags(fs *flag.FlagSet, o *options, cmd string) {
	switch cmd {
	case "dump":
		fs.BoolVar(&o.noOffsets, "no-offsets", false, "leave out the offset column")
	case "json":
		fs.BoolVar(&o.indent, "indent", false, "one property per line, indented")
		fs.BoolVar(&o.cosmian, "cosmian", false, "write the dialect Cosmian KMS parses (hex enumerations, numeric masks)")
		fs.BoolVar(&o.numbers, "numbers", false, "write enumerations and bit masks as numbers, for peers that cannot read their names (ovh/kmip-go)")
		fs.BoolVar(&o.omitStructureType, "omit-structure-type", false, "leave out \"type\": \"Structure\", the default of the JSON form")
	case "xml":
		fs.BoolVar(&o.indent, "indent", false, "one element per line, indented")
	}
}

// printUsage writes the usage text, the input flags and each command's
// own flags.
func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	fs := flag.NewFlagSet("ttlv", flag.ContinueOnError)
	fs.SetOutput(w)
	inputFlags(fs, &options{})
	fmt.Fprintf(w, "\nFlags of every command (input):\n")
	fs.PrintDefaults()
	for _, cmd := range commands {
		fs := flag.NewFlagSet("ttlv "+cmd, flag.ContinueOnError)
		fs.SetOutput(w)
		commandFlags(fs, &options{}, cmd)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n == 0 {
			fmt.Fprintf(w, "\nFlags of ttlv %s: none of its own\n", cmd)
			continue
		}
		fmt.Fprintf(w, "\nFlags of ttlv %s:\n", cmd)
		fs.PrintDefaults()
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		printUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := args[0]
	if !slices.Contains(commands, cmd) {
		fmt.Fprintf(stderr, "ttlv: unknown command %q (want dump, hex, binary, json or xml)\n", cmd)
		return 2
	}
	fs, o := newFlags(cmd, stderr)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "ttlv: at most one FILE")
		return 2
	}
	maxSize := &o.maxSize
	in, err := readInput(fs.Arg(0), stdin, *maxSize)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	bin, err := toBinary(in, jsonttlv.DecodeOptions{Lenient: o.lenient, MaxSize: len(in) + 1})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	opts := ttlv.DecodeOptions{Sequence: true, MaxMessageSize: *maxSize}
	if o.lax {
		opts.Lax = ttlv.LaxPadding | ttlv.LaxBoolean | ttlv.LaxUTF8
	}
	if cmd == "dump" {
		// Dump streams what it can, then reports the fault.
		if err := ttlv.Dump(stdout, bin, ttlv.DumpOptions{Decode: opts, NoOffsets: o.noOffsets}); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	if err := validate(bin, opts); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	switch cmd {
	case "hex":
		out := make([]byte, 0, 2*len(bin)+1)
		out = fmt.Appendf(out, "%x\n", bin)
		_, err = stdout.Write(out)
	case "binary":
		_, err = stdout.Write(bin)
	case "json":
		jopts := jsonttlv.EncodeOptions{Decode: opts, Numbers: o.numbers, OmitStructureType: o.omitStructureType}
		if o.indent {
			jopts.Indent = "  "
		}
		if o.cosmian {
			jopts.Dialect = jsonttlv.DialectCosmian
		}
		err = writeJSON(stdout, bin, jopts)
	case "xml":
		xopts := xmlttlv.EncodeOptions{Decode: opts}
		if o.indent {
			xopts.Indent = "  "
		}
		err = writeXML(stdout, bin, xopts)
	}
	if err != nil {
		fmt.Fprintln(stderr, "ttlv:", err)
		return 1
	}
	return 0
}

func readInput(name string, stdin io.Reader, maxSize int) ([]byte, error) {
	r := stdin
	if name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("ttlv: %w", err)
		}
		defer f.Close()
		r = f
	}
	// Text forms take up to twice the binary size, plus white space.
	limit := int64(maxSize)*3 + 1024
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("ttlv: reading input: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("ttlv: input larger than %d bytes (see -max-size)", limit)
	}
	if len(b) == 0 {
		return nil, errors.New("ttlv: empty input")
	}
	return b, nil
}

// validate walks every message in b strictly.
func validate(b []byte, opts ttlv.DecodeOptions) error {
	d := ttlv.NewDecoder(b, opts)
	for {
		it, err := d.Next()
		switch {
		case err == io.EOF && d.Depth() == 0:
			return nil
		case err == io.EOF:
			if err := d.Leave(); err != nil {
				return err
			}
		case err != nil:
			return err
		case it.Type == ttlv.TypeStructure:
			if err := d.Enter(); err != nil {
				return err
			}
		}
	}
}

// Form is how an input is written.
type form int

const (
	formBinary form = iota
	formHex
	formJSON
	formXML
)

// detect tells the input's form. Binary TTLV starts with a tag byte and
// has a type byte (0x01–0x0E) at offset 3 — a Structure (0x01) for a
// message — and bytes that are neither hex digits nor white space; JSON starts with '{' or '['; XML with '<' (or a byte order
// mark).
func detect(b []byte) form {
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return formJSON
	}
	if len(t) > 0 && t[0] == '<' || bytes.HasPrefix(t, []byte("\xEF\xBB\xBF<")) {
		return formXML
	}
	for _, c := range t {
		if !isHexOrSpace(c) && c != 'x' && c != 'X' {
			return formBinary
		}
	}
	return formHex
}

func isHexOrSpace(c byte) bool {
	switch {
	case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		return true
	case c == ' ', c == '\t', c == '\r', c == '\n':
		return true
	}
	return false
}

// writeJSON writes each top-level message of bin as JSON, one per line.
func writeJSON(w io.Writer, bin []byte, opts jsonttlv.EncodeOptions) error {
	var out []byte
	for len(bin) > 0 { // bin was validated: every header is whole and fits
		_, _, length, _ := ttlv.ConsumeHeader(bin)
		n := ttlv.HeaderSize + (int(length)+7)&^7
		var err error
		if out, err = jsonttlv.AppendJSON(out, bin[:n], opts); err != nil {
			return err
		}
		out = append(out, '\n')
		bin = bin[n:]
	}
	_, err := w.Write(out)
	return err
}

func toBinary(in []byte, jopts jsonttlv.DecodeOptions) ([]byte, error) {
	switch detect(in) {
	case formJSON:
		return jsonttlv.AppendBinary(nil, in, jopts)
	case formHex:
		return decodeHex(in)
	case formXML:
		return xmlToBinary(in)
	}
	return in, nil
}

// xmlToBinary converts every message of an XML document, concatenated.
func xmlToBinary(in []byte) ([]byte, error) {
	d := xmlttlv.NewDecoder(in, xmlttlv.DecodeOptions{MaxSize: len(in) + 1})
	var out []byte
	for {
		var err error
		out, err = d.Next(out)
		if err == io.EOF {
			if len(out) == 0 {
				return nil, errors.New("ttlv: XML input holds no message")
			}
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// writeXML writes the messages of bin as XML: one element, or several
// inside <KMIP> so that the output is one XML document.
func writeXML(w io.Writer, bin []byte, opts xmlttlv.EncodeOptions) error {
	var out []byte
	nl := "\n"
	wrap := false
	if _, _, length, _ := ttlv.ConsumeHeader(bin); ttlv.HeaderSize+(int(length)+7)&^7 < len(bin) {
		wrap = true
		out = append(out, "<KMIP>\n"...)
	}
	for len(bin) > 0 { // bin was validated: every header is whole and fits
		_, _, length, _ := ttlv.ConsumeHeader(bin)
		n := ttlv.HeaderSize + (int(length)+7)&^7
		var err error
		if out, err = xmlttlv.AppendXML(out, bin[:n], opts); err != nil {
			return err
		}
		out = append(out, nl...)
		bin = bin[n:]
	}
	if wrap {
		out = append(out, "</KMIP>\n"...)
	}
	_, err := w.Write(out)
	return err
}

// decodeHex reads hex text: white space anywhere, an optional 0x prefix.
func decodeHex(in []byte) ([]byte, error) {
	t := bytes.TrimSpace(in)
	if len(t) >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		t = t[2:]
	}
	out := make([]byte, 0, len(t)/2)
	var hi byte
	half := false
	for i, c := range t {
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			continue
		default:
			return nil, fmt.Errorf("ttlv: hex input: invalid character %q at input offset %d", c, i)
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		return nil, errors.New("ttlv: hex input: odd number of hex digits")
	}
	return out, nil
}
