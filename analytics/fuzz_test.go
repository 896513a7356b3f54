package analytics

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
)

// FuzzQuery: PET-DP: any query body, as the API decodes it, is accepted
// with at most MaxGroups groups and privacy parameters the library takes,
// or refused with EINVALID; never a panic or an unbounded allocation.
func FuzzQuery(f *testing.F) {
	m, err := manifest.Parse(examples.ThermostatName, examples.Thermostat)
	if err != nil {
		f.Fatal(err)
	}
	p, _ := m.StatisticsPurpose()
	for _, s := range []string{
		`{"dataset":"room-temperature","kind":"count","from":"2026-11-01T00:00:00Z","to":"2026-12-01T00:00:00Z","bucket":"day","epsilon":1}`,
		`{"dataset":"room-temperature","kind":"histogram","field":"celsius","bins":[10,15,20,25],"from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","epsilon":0.5}`,
		`{"dataset":"setpoint","kind":"mean","field":"celsius","lower":5,"upper":30,"from":"2026-11-01T00:00:00Z","to":"2027-11-01T00:00:00Z","bucket":"hour","epsilon":2,"noise":"gaussian","delta":1e-7}`,
		`{"dataset":"people","kind":"count","epsilon":1,"max_contributions":1000,"max_groups":-1}`,
		`{"dataset":"devices","kind":"sum","epsilon":1e-300}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var q Query
		if json.Unmarshal(body, &q) != nil {
			return
		}
		if _, err := q.normalize(m, p); err != nil {
			return
		}
		n := q.groupCount(m)
		if n > MaxGroups || n != len(q.keys(m)) {
			t.Fatalf("accepted %+v with %d groups (keys %d)", q, n, len(q.keys(m)))
		}
		if _, err := newAggregator(&q, 1); err != nil && q.Epsilon > 1e-10 && q.Epsilon < 1e10 {
			t.Logf("library refused %+v: %v", q, err)
		}
	})
}

// FuzzParseFields: form and command-line text never panics the parser.
func FuzzParseFields(f *testing.F) {
	f.Add("dataset=setpoint&kind=mean&field=celsius&lower=5&upper=30&bucket=day&from=2026-11-01&to=2026-11-03&epsilon=1&bins=1,2,3")
	f.Add("epsilon=NaN&max_groups=9999999999999999999999&from=2026-13-45")
	f.Fuzz(func(t *testing.T, form string) {
		v, err := url.ParseQuery(form)
		if err != nil {
			return
		}
		ParseFields(v.Get)
	})
}
