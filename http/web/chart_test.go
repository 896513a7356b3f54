package web

import (
	"encoding/binary"
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

// checkSVG fails unless svg is one well-formed SVG element whose every
// coordinate is a finite number inside the frame.
func checkSVG(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v: %s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
			for _, a := range tok.Attr {
				switch a.Name.Local {
				case "x", "y", "x1", "x2", "y1", "y2", "cx", "cy":
					v, err := strconv.ParseFloat(a.Value, 64)
					if err != nil || v < 0 || v > chartW {
						t.Errorf("%s=%q: not a coordinate in the frame", a.Name.Local, a.Value)
					}
				case "d":
					for _, n := range regexp.MustCompile(`[-0-9.eE+]+|NaN|Inf`).FindAllString(a.Value, -1) {
						if v, err := strconv.ParseFloat(n, 64); err != nil || v < 0 || v > chartW || math.IsNaN(v) {
							t.Errorf("path coordinate %q outside the frame in %q", n, a.Value)
						}
					}
				}
			}
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 || !strings.HasPrefix(svg, "<svg ") {
		t.Errorf("want one svg element, got %d roots: %s", roots, svg)
	}
}

// TestChartSVG draws the cases a reading series can be: none, one, a flat
// series, a step series, a series with values no chart can place; each is
// well-formed, stays in its frame, and says in words what it shows.
func TestChartSVG(t *testing.T) {
	tests := []struct {
		name  string
		chart Chart
		want  []string // in the SVG
	}{
		{"empty", Chart{Label: "Room temperature"}, []string{"No readings to draw.", `aria-label="Room temperature: No readings to draw."`}},
		{"one point", Chart{Label: "Humidity", Unit: "%", Points: []Point{{t0, 41.5}}},
			[]string{"1 reading from 30 Nov 2026 08:00 UTC to 30 Nov 2026 08:00 UTC, lowest 41.5 %, highest 41.5 %", "<circle"}},
		{"line", Chart{Label: "Room temperature", Unit: "°C", Points: []Point{{t0.Add(time.Hour), 21}, {t0, 19.25}, {t0.Add(2 * time.Hour), 20}}},
			[]string{"3 readings", "lowest 19.25 °C, highest 21 °C", `d="M64 180L344 16L624 109.7"`, "30 Nov 08:00", "30 Nov 10:00"}},
		{"flat", Chart{Label: "Setpoint", Points: []Point{{t0, 20}, {t0.Add(time.Hour), 20}}}, []string{`d="M64 98L624 98"`}},
		{"step", Chart{Label: "At home", Step: true, Points: []Point{{t0, 0}, {t0.Add(time.Hour), 1}, {t0.Add(2 * time.Hour), 0}}},
			[]string{`d="M64 180H344V16H624V180"`}},
		{"not finite", Chart{Label: "Odd", Points: []Point{{t0, math.NaN()}, {t0, math.Inf(1)}, {t0, -math.MaxFloat64}, {t0.Add(time.Second), math.MaxFloat64}}},
			[]string{"2 readings"}},
		{"escaped", Chart{Label: `<script>"x"</script>`, Unit: "&", Points: []Point{{t0, 1}}}, []string{"&lt;script&gt;&#34;x&#34;", "1 &amp;"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg := string(tt.chart.SVG())
			checkSVG(t, svg)
			for _, w := range tt.want {
				if !strings.Contains(svg, w) {
					t.Errorf("SVG lacks %q:\n%s", w, svg)
				}
			}
			if strings.Contains(svg, "<script") {
				t.Errorf("unescaped label: %s", svg)
			}
		})
	}
}

// TestFormatValue formats values as people read them.
func TestFormatValue(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 20.5: "20.5", 19.1234: "19.123", -3: "-3", 1e12: "1e+12", 0.0001: "0.0001"} {
		if got := FormatValue(v); got != want {
			t.Errorf("FormatValue(%v) = %q, want %q", v, got, want)
		}
	}
}

// FuzzChartSVG draws charts of arbitrary points: whatever the values and
// times, the SVG is well-formed and stays inside its frame.
func FuzzChartSVG(f *testing.F) {
	f.Add([]byte{}, false, "x")
	f.Add(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1), math.Float64bits(math.NaN())), true, "<b>")
	f.Add([]byte("0123456789abcdef0123456789abcdef"), false, `"'&`)
	f.Fuzz(func(t *testing.T, data []byte, step bool, label string) {
		var c Chart
		c.Label, c.Step = label, step
		for len(data) >= 16 {
			sec := int64(binary.LittleEndian.Uint64(data)) % (1 << 40)
			v := math.Float64frombits(binary.LittleEndian.Uint64(data[8:]))
			c.Points = append(c.Points, Point{time.Unix(sec, 0), v})
			data = data[16:]
		}
		checkSVG(t, string(c.SVG()))
	})
}
