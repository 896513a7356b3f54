package web

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The chart drawer: a small line or step chart of one series over time,
// drawn on the server as inline SVG (the page's CSP allows no script to
// draw it, and none is needed). A chart is never the only way to read the
// values: the page that shows one also lists them in a table.

// Point is one value of a series at a time.
type Point struct {
	T time.Time
	V float64
}

// Chart is one series over time. The zero Chart draws an empty frame that
// says there is nothing to show.
type Chart struct {
	Label string // what the series is, for the chart's accessible name
	Unit  string // the values' unit, shown beside the highest and lowest ("" for none)
	// Step draws the series as steps that hold each value until the next
	// (for yes/no states and settings); otherwise points are joined by
	// straight lines.
	Step   bool
	Points []Point
}

// The chart's frame, in SVG user units; the style sheet scales it to the
// width of the page.
const (
	chartW, chartH                    = 640, 220
	chartLeft, chartRight             = 64, 16
	chartTop, chartBottom             = 16, 40
	chartDots                         = 120 // up to this many points are also drawn as dots
	plotW                             = chartW - chartLeft - chartRight
	plotH                             = chartH - chartTop - chartBottom
	chartTimeLayout, chartShortLayout = "2 Jan 2006 15:04", "2 Jan 15:04"
	chartEmpty                        = "No readings to draw."
)

// points returns c's finite points in time order.
func (c Chart) points() []Point {
	ps := make([]Point, 0, len(c.Points))
	for _, p := range c.Points {
		if !math.IsNaN(p.V) && !math.IsInf(p.V, 0) {
			ps = append(ps, p)
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].T.Before(ps[j].T) })
	return ps
}

// SVG draws the chart as an inline SVG element with role img and an
// accessible name that states what it shows: how many values, from when
// to when, the lowest and the highest. It is safe to put in a page: every
// text it holds is escaped.
func (c Chart) SVG() template.HTML {
	ps := c.points()
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		chartW, chartH, template.HTMLEscapeString(c.Summary()))
	fmt.Fprintf(&b, `<rect class="chart-axis" x="%d" y="%d" width="%d" height="%d" fill="none"/>`, chartLeft, chartTop, plotW, plotH)
	if len(ps) == 0 {
		fmt.Fprintf(&b, `<text class="chart-text" x="%d" y="%d" text-anchor="middle">%s</text></svg>`, chartLeft+plotW/2, chartTop+plotH/2, chartEmpty)
		return template.HTML(b.String())
	}
	lo, hi := minMax(ps)
	t0, t1 := ps[0].T, ps[len(ps)-1].T
	x := func(t time.Time) float64 {
		return chartLeft + plotW*fraction(float64(t.Sub(t0)), float64(t1.Sub(t0)))
	}
	y := func(v float64) float64 {
		return chartTop + plotH - plotH*fraction(v-lo, hi-lo)
	}
	// Grid lines and labels at the lowest and highest values.
	for i, v := range []float64{lo, hi} {
		if i == 1 && hi == lo {
			break
		}
		fmt.Fprintf(&b, `<line class="chart-grid" x1="%d" y1="%s" x2="%d" y2="%s"/>`, chartLeft, coord(y(v)), chartLeft+plotW, coord(y(v)))
		fmt.Fprintf(&b, `<text class="chart-text" x="%d" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`,
			chartLeft-6, coord(y(v)), template.HTMLEscapeString(FormatValue(v)))
	}
	layout := chartTimeLayout
	if t0.UTC().Year() == t1.UTC().Year() {
		layout = chartShortLayout
	}
	fmt.Fprintf(&b, `<text class="chart-text" x="%d" y="%d" text-anchor="start">%s</text>`, chartLeft, chartH-12, t0.UTC().Format(layout))
	if t1.After(t0) {
		fmt.Fprintf(&b, `<text class="chart-text" x="%d" y="%d" text-anchor="end">%s</text>`, chartLeft+plotW, chartH-12, t1.UTC().Format(layout))
	}
	// The series.
	var d strings.Builder
	for i, p := range ps {
		switch {
		case i == 0:
			fmt.Fprintf(&d, "M%s %s", coord(x(p.T)), coord(y(p.V)))
		case c.Step:
			fmt.Fprintf(&d, "H%sV%s", coord(x(p.T)), coord(y(p.V)))
		default:
			fmt.Fprintf(&d, "L%s %s", coord(x(p.T)), coord(y(p.V)))
		}
	}
	fmt.Fprintf(&b, `<path class="chart-line" fill="none" d="%s"/>`, d.String())
	if len(ps) <= chartDots {
		for _, p := range ps {
			fmt.Fprintf(&b, `<circle class="chart-dot" cx="%s" cy="%s" r="3"/>`, coord(x(p.T)), coord(y(p.V)))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Summary says in words what the chart shows, for its accessible name.
func (c Chart) Summary() string {
	ps := c.points()
	if len(ps) == 0 {
		return cleanText(c.Label) + ": " + chartEmpty
	}
	lo, hi := minMax(ps)
	unit := ""
	if c.Unit != "" {
		unit = " " + cleanText(c.Unit)
	}
	n := "1 reading"
	if len(ps) != 1 {
		n = strconv.Itoa(len(ps)) + " readings"
	}
	return fmt.Sprintf("%s: %s from %s to %s, lowest %s%s, highest %s%s. The table below lists them.", cleanText(c.Label), n,
		ps[0].T.UTC().Format(chartTimeLayout+" MST"), ps[len(ps)-1].T.UTC().Format(chartTimeLayout+" MST"),
		FormatValue(lo), unit, FormatValue(hi), unit)
}

// cleanText makes s fit for an attribute of inline SVG, which is XML:
// valid UTF-8, no control characters.
func cleanText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffe || r == 0xffff {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// minMax returns the lowest and highest values of ps (not empty).
func minMax(ps []Point) (lo, hi float64) {
	lo, hi = ps[0].V, ps[0].V
	for _, p := range ps[1:] {
		lo, hi = math.Min(lo, p.V), math.Max(hi, p.V)
	}
	return lo, hi
}

// fraction returns part/whole between 0 and 1, and one half when whole is
// zero or either is not finite (a single point, a flat series, or values
// so far apart their difference overflows): it is drawn mid-frame.
func fraction(part, whole float64) float64 {
	f := part / whole
	if whole == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0.5
	}
	return math.Max(0, math.Min(1, f))
}

// coord formats an SVG coordinate with one decimal, clamped to the frame
// so that no value, however extreme, draws outside it.
func coord(v float64) string {
	if math.IsNaN(v) {
		v = 0
	}
	v = math.Max(0, math.Min(chartW, v))
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// FormatValue formats a reading's value for people: at most three
// decimals, no trailing zeros, no exponent for ordinary magnitudes.
func FormatValue(v float64) string {
	if math.Abs(v) >= 1e9 || (v != 0 && math.Abs(v) < 1e-3) {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}
