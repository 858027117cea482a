package benchreport

import (
	"fmt"
	"html"
	"io"
	"math"
)

// palette colours the messages, in first-seen order (colour-blind safe,
// after Okabe and Ito).
var palette = [...]string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999"}

// WriteSVG draws the chart of make bench. With peer results (peers not
// nil, the output of bench/peers) it shows what a reader wants to see: for
// each path and message of the peer comparison, kmipwire's MB/s beside the
// best peer's, with the message's limit (BenchmarkLimit in s) as a tick,
// on a logarithmic axis. Without, it draws every path=…/msg=… benchmark
// of s, one colour per message, and the limit as a path of its own. Rows
// whose path steps over most of the message unread (Row.IsAliased) are
// left out: their MB/s measures the message's layout, not the path.
func WriteSVG(w io.Writer, s *Set, peers *Set, title string, m Machine) error {
	if peers != nil && len(peers.PeerRows()) > 0 {
		return writePeerSVG(w, s, peers, title, m)
	}
	return writeSuiteSVG(w, s, title, m)
}

// svgAxis maps MB/s to x on a log scale from the decade below lo to the
// decade above hi.
type svgAxis struct {
	left, plotW, loDec, hiDec float64
}

func newAxis(left, plotW, lo, hi float64) svgAxis {
	a := svgAxis{left: left, plotW: plotW, loDec: math.Floor(math.Log10(lo)), hiDec: math.Ceil(math.Log10(hi))}
	if a.hiDec <= a.loDec {
		a.hiDec = a.loDec + 1
	}
	return a
}

func (a svgAxis) x(mbs float64) float64 {
	return a.left + a.plotW*(math.Log10(mbs)-a.loDec)/(a.hiDec-a.loDec)
}

func (a svgAxis) grid(ew io.Writer, top, bottom int) {
	for d := a.loDec; d <= a.hiDec; d++ {
		gx := a.x(math.Pow(10, d))
		fmt.Fprintf(ew, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", gx, top-4, gx, bottom)
		fmt.Fprintf(ew, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", gx, bottom+14, Throughput(math.Pow(10, d)))
	}
}

func svgHead(ew io.Writer, width, height int, title, sub string) {
	fmt.Fprintf(ew, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(ew, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	fmt.Fprintf(ew, `<text x="%d" y="18" font-size="14" font-weight="bold">%s</text>`+"\n", 10, html.EscapeString(title))
	fmt.Fprintf(ew, `<text x="%d" y="34" fill="#555">%s</text>`+"\n", 10, html.EscapeString(sub))
}

func writePeerSVG(w io.Writer, s, peers *Set, title string, m Machine) error {
	limit := map[string]float64{}
	aliased := map[string]bool{}
	if s != nil {
		limit = s.Limits()
		for _, r := range s.Rows() {
			if r.IsAliased() {
				aliased[r.Path+" "+r.Msg] = true
			}
		}
	}
	var rows []PeerRow
	lo, hi := math.Inf(1), 0.0
	for _, p := range peers.PeerRows() {
		if p.Ours == nil || p.Ours.MBs <= 0 || aliased[p.Path+" "+p.Msg] || p.Ours.IsAliased() {
			continue
		}
		rows = append(rows, p)
		for _, v := range []float64{p.Ours.MBs, limit[p.Msg]} {
			if v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		if p.Best != nil && p.Best.MBs > 0 {
			lo, hi = min(lo, p.Best.MBs), max(hi, p.Best.MBs)
		}
	}
	if len(rows) == 0 {
		return fmt.Errorf("benchreport: no peer row to draw")
	}
	const (
		width = 960
		left  = 250 // path and message labels
		right = 80
		barH  = 9
		gap   = 6
		top   = 70
	)
	a := newAxis(left, width-left-right, lo, hi)
	height := top + 24
	prev := ""
	for _, p := range rows {
		if p.Path != prev {
			height += 8
			prev = p.Path
		}
		height += 2*barH + gap
	}
	ew := &errWriter{w: w}
	svgHead(ew, width, height, title, fmt.Sprintf("%s, %s %s/%s, GOMAXPROCS %d — median MB/s of the binary message, log scale", m.CPU, m.GoVersion, m.GOOS, m.GOARCH, m.GOMAXPROCS))
	legend := []struct{ colour, text string }{{palette[0], "kmipwire"}, {palette[1], "best peer (ovh/kmip-go or gemalto/kmip-go)"}, {"#000", "limit: the message read at memory speed"}}
	for i, l := range legend {
		lx := 10 + i*250
		fmt.Fprintf(ew, `<rect x="%d" y="46" width="12" height="12" fill="%s"/><text x="%d" y="56">%s</text>`+"\n", lx, l.colour, lx+16, html.EscapeString(l.text))
	}
	a.grid(ew, top, height-24)
	y := top
	prev = ""
	for _, p := range rows {
		if p.Path != prev {
			y += 8
			prev = p.Path
		}
		label := p.Path + " · " + p.Msg
		fmt.Fprintf(ew, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+barH+4, html.EscapeString(label))
		bar := func(r *Row, colour, who string) {
			if r == nil || r.MBs <= 0 {
				fmt.Fprintf(ew, `<text x="%d" y="%d" font-size="9" fill="#333">%s n/a</text>`+"\n", left+3, y+barH-1, html.EscapeString(who))
			} else {
				fmt.Fprintf(ew, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s, %s: %s</title></rect>`+"\n",
					left, y, max(a.x(r.MBs)-left, 1), barH-1, colour, html.EscapeString(label), html.EscapeString(who), Throughput(r.MBs))
				fmt.Fprintf(ew, `<text x="%.1f" y="%d" font-size="9" fill="#333">%s</text>`+"\n", max(a.x(r.MBs), left)+3, y+barH-1, Throughput(r.MBs))
			}
			y += barH
		}
		y0 := y
		bar(p.Ours, palette[0], "kmipwire")
		who := "best peer"
		if p.BestCodec != "" {
			who = p.BestCodec
		}
		bar(p.Best, palette[1], who)
		if l := limit[p.Msg]; l > 0 {
			lx := a.x(l)
			fmt.Fprintf(ew, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000" stroke-width="2"><title>limit %s: %s</title></line>`+"\n", lx, y0-1, lx, y, html.EscapeString(p.Msg), Throughput(l))
		}
		y += gap
	}
	fmt.Fprintln(ew, "</svg>")
	return ew.err
}

func writeSuiteSVG(w io.Writer, s *Set, title string, m Machine) error {
	type bar struct {
		msg int
		mbs float64
	}
	var paths []string
	var msgs []string
	bars := map[string][]bar{}
	msgIndex := map[string]int{}
	lo, hi := math.Inf(1), 0.0
	for _, r := range s.Rows() {
		if r.Path == "" || r.Codec != "" || r.MBs <= 0 || r.IsAliased() {
			continue
		}
		if _, ok := bars[r.Path]; !ok {
			paths = append(paths, r.Path)
		}
		i, ok := msgIndex[r.Msg]
		if !ok {
			i = len(msgs)
			msgIndex[r.Msg] = i
			msgs = append(msgs, r.Msg)
		}
		bars[r.Path] = append(bars[r.Path], bar{i, r.MBs})
		lo, hi = min(lo, r.MBs), max(hi, r.MBs)
	}
	if len(paths) == 0 {
		return fmt.Errorf("benchreport: no path=…/msg=… benchmark with MB/s to draw")
	}
	const (
		width   = 960
		left    = 110 // path labels
		right   = 90  // value labels
		barH    = 11
		gap     = 10
		legendH = 22
	)
	top := 58 + legendH*((len(msgs)+3)/4)
	a := newAxis(left, width-left-right, lo, hi)
	height := top + 24
	for _, p := range paths {
		height += len(bars[p])*barH + gap
	}
	ew := &errWriter{w: w}
	svgHead(ew, width, height, title, fmt.Sprintf("%s, %s %s/%s, GOMAXPROCS %d — median MB/s, log scale; paths that step over most of a message unread left out", m.CPU, m.GoVersion, m.GOOS, m.GOARCH, m.GOMAXPROCS))
	for i, msg := range msgs {
		lx, ly := 10+(i%4)*230, 46+(i/4)*legendH
		fmt.Fprintf(ew, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", lx, ly, palette[i%len(palette)], lx+16, ly+10, html.EscapeString(msg))
	}
	a.grid(ew, top, height-24)
	y := top
	for _, p := range paths {
		bs := bars[p]
		fmt.Fprintf(ew, `<text x="%d" y="%d" text-anchor="end" font-weight="bold">%s</text>`+"\n", left-8, y+len(bs)*barH/2+4, html.EscapeString(p))
		for _, b := range bs {
			fmt.Fprintf(ew, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s: %s</title></rect>`+"\n",
				left, y, max(a.x(b.mbs)-left, 1), barH-1, palette[b.msg%len(palette)], html.EscapeString(p), html.EscapeString(msgs[b.msg]), Throughput(b.mbs))
			fmt.Fprintf(ew, `<text x="%.1f" y="%d" font-size="9" fill="#333">%s</text>`+"\n", max(a.x(b.mbs), left)+3, y+barH-2, Throughput(b.mbs))
			y += barH
		}
		y += gap
	}
	fmt.Fprintln(ew, "</svg>")
	return ew.err
}
