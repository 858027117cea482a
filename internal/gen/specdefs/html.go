package main

import (
	"regexp"
	"strconv"
	"strings"
)

// table is one <table> of a specification's HTML with its context.
type table struct {
	section string // the heading before it: "6.1.8 Create"
	caption string // the caption after it: "Create Request Payload"
	rows    [][]cell
}

type cell struct {
	text   string
	indent float64 // margin-left of the cell's paragraph, in points (0 if none)
}

var (
	reTable   = regexp.MustCompile(`(?s)<table.*?</table>`)
	reRow     = regexp.MustCompile(`(?s)<tr.*?</tr>`)
	reCell    = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	reTag     = regexp.MustCompile(`(?s)<[^>]+>`)
	reSpace   = regexp.MustCompile(`\s+`)
	reHeading = regexp.MustCompile(`(?s)<h[1-6][^>]*>(.*?)</h[1-6]>`)
	reCaption = regexp.MustCompile(`(?s)<p class=MsoCaption[^>]*>(.*?)</p>`)
	reMargin  = regexp.MustCompile(`margin-left:\s*([0-9.]+)(pt|in)`)
	reEntity  = regexp.MustCompile(`&(#[0-9]+|[a-z]+);`)
	reTableNo = regexp.MustCompile(`^Table\s*[0-9]+\s*:?\s*`)
)

// readTables returns the tables of one HTML document (windows-1252).
func readTables(doc string) []table {
	heads := reHeading.FindAllStringSubmatchIndex(doc, -1)
	var out []table
	h := 0
	section := ""
	for _, m := range reTable.FindAllStringIndex(doc, -1) {
		for h < len(heads) && heads[h][0] < m[0] {
			section = text(doc[heads[h][2]:heads[h][3]])
			h++
		}
		t := table{section: section}
		rest := doc[m[1]:min(len(doc), m[1]+4000)]
		if c := reCaption.FindStringSubmatchIndex(rest); c != nil && !strings.Contains(rest[:c[0]], "<table") {
			t.caption = reTableNo.ReplaceAllString(text(rest[c[2]:c[3]]), "")
		}
		for _, r := range reRow.FindAllString(doc[m[0]:m[1]], -1) {
			var row []cell
			for _, c := range reCell.FindAllStringSubmatch(r, -1) {
				cl := cell{text: text(c[1])}
				if mm := reMargin.FindStringSubmatch(c[1]); mm != nil {
					cl.indent, _ = strconv.ParseFloat(mm[1], 64)
					if mm[2] == "in" {
						cl.indent *= 72
					}
				}
				row = append(row, cl)
			}
			if len(row) > 0 {
				t.rows = append(t.rows, row)
			}
		}
		out = append(out, t)
	}
	return out
}

// text turns an HTML fragment into its text, spaces collapsed.
func text(s string) string {
	s = reTag.ReplaceAllString(s, "")
	s = reEntity.ReplaceAllStringFunc(s, func(e string) string {
		switch e {
		case "&nbsp;":
			return " "
		case "&amp;":
			return "&"
		case "&lt;":
			return "<"
		case "&gt;":
			return ">"
		case "&quot;":
			return `"`
		}
		if n, err := strconv.Atoi(e[2 : len(e)-1]); err == nil && e[1] == '#' {
			switch n {
			case 8209, 8208, 8211, 8212:
				return "-"
			case 160:
				return " "
			}
			if n < 128 {
				return string(rune(n))
			}
		}
		return " "
	})
	// windows-1252 bytes: non-breaking space and dashes; others dropped.
	b := []byte(s)
	for i, c := range b {
		switch {
		case c == 0xA0:
			b[i] = ' '
		case c == 0x96 || c == 0x97 || c == 0xAD:
			b[i] = '-'
		case c >= 0x80:
			b[i] = ' '
		}
	}
	return strings.TrimSpace(reSpace.ReplaceAllString(string(b), " "))
}
