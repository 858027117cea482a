package benchreport

import (
	"fmt"
	"html"
	"io"
	"math"
)

// palette colours the messages, in first-seen order (colour-blind safe,
// after Okabe and Ito).
var palette = [...]string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

// WriteSVG draws the median MB/s of every path=…/msg=… benchmark of s as
// horizontal bars, one group per path and one colour per message, on a
// logarithmic axis (the corpus spans three orders of magnitude). title
// heads the chart; the machine line goes under it.
func WriteSVG(w io.Writer, s *Set, title string, m Machine) error {
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
		if r.Path == "" || r.MBs <= 0 {
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
	loDec, hiDec := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if hiDec <= loDec {
		hiDec = loDec + 1
	}
	plotW := float64(width - left - right)
	x := func(mbs float64) float64 {
		return left + plotW*(math.Log10(mbs)-loDec)/(hiDec-loDec)
	}
	height := top + 24
	for _, p := range paths {
		height += len(bars[p])*barH + gap
	}
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(ew, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	fmt.Fprintf(ew, `<text x="%d" y="18" font-size="14" font-weight="bold">%s</text>`+"\n", 10, html.EscapeString(title))
	fmt.Fprintf(ew, `<text x="%d" y="34" fill="#555">%s</text>`+"\n", 10, html.EscapeString(fmt.Sprintf("%s, %s %s/%s, GOMAXPROCS %d — median MB/s, log scale", m.CPU, m.GoVersion, m.GOOS, m.GOARCH, m.GOMAXPROCS)))
	for i, msg := range msgs {
		lx, ly := 10+(i%4)*230, 46+(i/4)*legendH
		fmt.Fprintf(ew, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", lx, ly, palette[i%len(palette)], lx+16, ly+10, html.EscapeString(msg))
	}
	plotBottom := height - 24
	for d := loDec; d <= hiDec; d++ {
		gx := x(math.Pow(10, d))
		fmt.Fprintf(ew, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", gx, top-4, gx, plotBottom)
		fmt.Fprintf(ew, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", gx, plotBottom+14, Throughput(math.Pow(10, d)))
	}
	y := top
	for _, p := range paths {
		bs := bars[p]
		fmt.Fprintf(ew, `<text x="%d" y="%d" text-anchor="end" font-weight="bold">%s</text>`+"\n", left-8, y+len(bs)*barH/2+4, html.EscapeString(p))
		for _, b := range bs {
			fmt.Fprintf(ew, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s: %s</title></rect>`+"\n",
				left, y, max(x(b.mbs)-left, 1), barH-1, palette[b.msg%len(palette)], html.EscapeString(p), html.EscapeString(msgs[b.msg]), Throughput(b.mbs))
			fmt.Fprintf(ew, `<text x="%.1f" y="%d" font-size="9" fill="#333">%s</text>`+"\n", max(x(b.mbs), left)+3, y+barH-2, Throughput(b.mbs))
			y += barH
		}
		y += gap
	}
	fmt.Fprintln(ew, "</svg>")
	return ew.err
}
