package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser suite drives Debian's Chromium, headless, over the DevTools
// protocol with chromedp, against the real binary (startHearth). Chromium
// and axe-core are installed by test.sh when missing; without them the
// suite fails, it never skips.

// chromiumPath is Debian's chromium launcher (the package "chromium").
const chromiumPath = "/usr/bin/chromium"

// axeScript is axe-core as npm installs it from testdata/axe's
// package-lock.json (test.sh runs npm ci there when it is missing).
const axeScript = "testdata/axe/node_modules/axe-core/axe.min.js"

// artifactsDir receives the screenshots of every run (gitignored).
const artifactsDir = "../../test-artifacts/browser"

// The widths the pages are shown at: a desktop window and a small phone.
const (
	desktopWidth = 1280
	phoneWidth   = 360
)

// docsDir holds the screenshots the README shows. With
// HEARTH_DOCS_SCREENSHOTS=1 in the test's environment, the suite writes
// the screenshots named in docShots there too (run it by hand when the
// pages change).
const docsDir = "../../docs/screenshots"

// docShots are the screenshots copied into docsDir, each of the element
// the selector matches ("" for the screen's first view).
var docShots = map[string]string{
	"consent":         "#purpose-noise-alerts",
	"device-claim":    "main section.panel",
	"data":            `main section[aria-labelledby="readings-h"]`,
	"erase-preview":   "main",
	"household-phone": "",
}

// stepTimeout bounds every browser step: a page load, a click and the
// load it causes, an axe run.
const stepTimeout = 45 * time.Second

var (
	axeOnce sync.Once
	axeSrc  string
	axeErr  error

	artifactsOnce sync.Once
	artifactsErr  error
)

// loadAxe reads axe-core once.
func loadAxe(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		b, err := os.ReadFile(axeScript)
		if err != nil {
			axeErr = fmt.Errorf("read axe-core (run `npm ci` in cmd/hearth/testdata/axe; ./test.sh does): %w", err)
			return
		}
		axeSrc = string(b)
	})
	if axeErr != nil {
		t.Fatal(axeErr)
	}
	return axeSrc
}

// artifacts empties the screenshot folder once per run and returns it.
func artifacts(t *testing.T) string {
	t.Helper()
	artifactsOnce.Do(func() {
		if err := os.RemoveAll(artifactsDir); err != nil {
			artifactsErr = err
			return
		}
		artifactsErr = os.MkdirAll(artifactsDir, 0o755)
	})
	if artifactsErr != nil {
		t.Fatalf("screenshot folder %s: %v", artifactsDir, artifactsErr)
	}
	return artifactsDir
}

// pageWatch is the script every document runs first: it records the
// Content-Security-Policy violations of the page, so that a page whose
// inline style or script the policy blocks fails the suite.
const pageWatch = `window.__hearthCSP = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__hearthCSP.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`

// tab is one tab of a fresh headless Chromium (its own profile: no
// cookies), with the checks every page gets.
type tab struct {
	t         *testing.T
	ctx       context.Context
	base      string // the server, http://127.0.0.1:port
	downloads string // where downloads are saved

	// names maps IDs that appear in paths (household, person, device) to
	// short stable names, for screenshot file names.
	names map[string]string

	mu         sync.Mutex
	exceptions []string // uncaught JavaScript exceptions
	dialogs    []string // confirm() messages, each accepted
}

// newTab starts Chromium with the flags the suite needs on a closed
// network, and opens a tab on base. Chromium is stopped when the test ends.
func newTab(t *testing.T, base string) *tab {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Debian's chromium is not installed (%v): apt-get install chromium; ./test.sh does", err)
	}
	loadAxe(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // root in a container or CI
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true), // the network is closed: no calls home
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()), // a fresh profile
		chromedp.WindowSize(desktopWidth, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &tab{t: t, ctx: ctx, base: base, downloads: t.TempDir(), names: map[string]string{}}

	b.prepare()
	return b
}

// sibling opens another tab of the same browser (same cookies: the same
// session), for a page opened twice.
func (b *tab) sibling() *tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	s := &tab{t: b.t, ctx: ctx, base: b.base, downloads: b.downloads, names: b.names}
	s.prepare()
	return s
}

// prepare opens the tab, records its events and runs pageWatch in every
// document it loads.
func (b *tab) prepare() {
	b.t.Helper()
	// The first Run starts the browser or the tab; it must not have a timeout.
	if err := chromedp.Do(b.ctx); err != nil {
		b.t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Listen(b.ctx, b.event); err != nil {
		b.t.Fatalf("listen to the tab: %v", err)
	}
	b.do("prepare the tab", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: pageWatch}); err != nil {
			return err
		}
		_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: b.downloads, EventsEnabled: ptrTo(true)})
		return err
	}), chromedp.EmulateViewport(desktopWidth, 900))
}

// ptrTo returns a pointer to v.
func ptrTo[T any](v T) *T { return &v }

// event records the tab's uncaught exceptions and accepts its dialogs (a
// form's data-confirm). It runs on the goroutine that reads the browser,
// so it must not block.
func (b *tab) event(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg := ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil && ev.ExceptionDetails.Exception.Description != "" {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
		b.mu.Lock()
		b.exceptions = append(b.exceptions, msg+" at "+ev.ExceptionDetails.URL)
		b.mu.Unlock()
	case *page.EventJavascriptDialogOpening:
		b.mu.Lock()
		b.dialogs = append(b.dialogs, ev.Message)
		b.mu.Unlock()
		go chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
	}
}

// do runs actions within stepTimeout and fails the test on an error.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (page %s)", what, err, b.where())
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](b *tab, expr string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		b.t.Fatalf("evaluate %.80q: %v (page %s)", expr, err, b.where())
	}
	return v
}

// where is the tab's current URL, for failure messages; "" if unknown.
func (b *tab) where() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	u, _ := chromedp.Run(ctx, chromedp.Location())
	return u
}

// path is the current path and query of the tab.
func (b *tab) path() string {
	b.t.Helper()
	return eval[string](b, `location.pathname + location.search`)
}

// open loads path (or an absolute URL) and returns the HTTP status of the
// document, following redirects.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.base + path
	}
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		b.t.Fatalf("open %s: %v", u, err)
	}
	return resp.Status
}

// click clicks the element sel (a button or a link) and waits for the page
// it loads; it returns the final document's HTTP status.
func (b *tab) click(sel string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("click %s: %v (page %s)", sel, err, b.where())
	}
	return resp.Status
}

// fill types each value into the input whose CSS selector is its key,
// replacing what was there.
func (b *tab) fill(fields map[string]string) {
	b.t.Helper()
	for _, sel := range slices.Sorted(maps.Keys(fields)) {
		b.do("fill "+sel, chromedp.Clear(chromedp.CSS(sel), chromedp.NodeVisible), chromedp.SendKeys(chromedp.CSS(sel), fields[sel], chromedp.NodeVisible))
	}
}

// submit fills the form's fields and clicks sel; it returns the status of
// the page the form leads to.
func (b *tab) submit(fields map[string]string, sel string) int64 {
	b.t.Helper()
	b.fill(fields)
	return b.click(sel)
}

// text is the visible text of the first element matching sel, "" when
// there is none.
func (b *tab) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(function(){ var e = document.querySelector(%q); return e ? e.innerText.trim() : ""; })()`, sel))
}

// wantStatus fails unless got is want.
func (b *tab) wantStatus(what string, got, want int64) {
	b.t.Helper()
	if got != want {
		b.t.Fatalf("%s: status %d, want %d; page %s: %.800s", what, got, want, b.where(), b.text("main"))
	}
}

// wantShown fails unless a form that shows a one-time secret (an export
// link, a transfer code, a device secret) answered on the page itself:
// 200, or 201 for what it created.
func (b *tab) wantShown(what string, got int64) {
	b.t.Helper()
	if got != http.StatusOK && got != http.StatusCreated {
		b.t.Fatalf("%s: status %d, want 200 or 201; page %s: %.800s", what, got, b.where(), b.text("main"))
	}
}

// wantText fails unless the page's main content contains each of texts.
func (b *tab) wantText(texts ...string) {
	b.t.Helper()
	body := b.text("body")
	for _, s := range texts {
		if !strings.Contains(body, s) {
			b.t.Errorf("page %s lacks %q: %.1500s", b.path(), s, body)
		}
	}
}

// violation is an axe-core result with the elements it concerns.
type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeRun runs axe-core on the current document and returns its serious
// and critical violations.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
  return r.violations.filter(function (v) { return v.impact === "serious" || v.impact === "critical"; }).map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 6).map(function (n) {
      return n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\s+/g, " ");
    })};
  });
})`

// audit runs the checks every page gets (problems) and fails the test on
// each problem found; it saves screenshots named shot (or after the path
// when shot is ""), at desktop and at phone width.
func (b *tab) audit(shot string) {
	b.t.Helper()
	where := b.path()
	if shot == "" {
		shot = b.shotName(where)
	}
	for _, p := range b.problems() {
		b.t.Errorf("%s: %s", where, p)
	}
	b.save(shot)
	b.phone()
	b.save(shot + "-phone")
	b.desktop()
}

// problems checks the current page and describes what is wrong with it:
//   - axe-core: any serious or critical violation (WCAG 2.x A/AA and best
//     practices, as axe-core runs them by default);
//   - not exactly one h1;
//   - a Content-Security-Policy violation, an uncaught JavaScript error;
//   - at 360 px wide (a small phone), anything wider than the screen.
func (b *tab) problems() []string {
	b.t.Helper()
	var out []string
	if !eval[bool](b, `typeof axe !== "undefined"`) {
		eval[chromedp.Void](b, loadAxe(b.t))
	}
	for _, v := range eval[[]violation](b, axeRun, chromedp.EvalAwaitPromise) {
		out = append(out, fmt.Sprintf("axe: %s (%s): %s\n\t%s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t")))
	}
	if n := eval[int](b, `document.querySelectorAll("h1").length`); n != 1 {
		out = append(out, fmt.Sprintf("%d h1 elements, want one", n))
	}
	for _, v := range eval[[]string](b, `window.__hearthCSP || []`) {
		out = append(out, "Content-Security-Policy violation: "+v)
	}
	b.mu.Lock()
	exc := b.exceptions
	b.exceptions = nil
	b.mu.Unlock()
	for _, e := range exc {
		out = append(out, "uncaught JavaScript exception: "+e)
	}
	b.phone()
	defer b.desktop()
	if wide := eval[string](b, overflow); wide != "" {
		out = append(out, "does not fit a 360 px screen: "+wide)
	}
	return out
}

// overflow describes how a page overflows the screen's width, naming the
// element reaching furthest right; "" if it fits.
const overflow = `(function () {
  var w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= w + 1) return "";
  var worst = null, right = w;
  document.querySelectorAll("body *").forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > right + 1) { right = r.right; worst = e; }
  });
  return "the page is " + document.documentElement.scrollWidth + " px wide" + (worst ? ", widest " + worst.tagName.toLowerCase() + (worst.id ? "#" + worst.id : "") + (worst.className && typeof worst.className === "string" ? "." + worst.className.trim().replace(/ +/g, ".") : "") + " to " + Math.round(right) + " px" : "");
})()`

// noPreChecked fails if any checkbox of the page is ticked before the
// person touched it (CONSENT-OPTIN): no consent box is ever
// pre-checked.
func (b *tab) noPreChecked() {
	b.t.Helper()
	for _, name := range b.ticked() {
		b.t.Errorf("%s: checkbox %s is ticked before anyone chose it (CONSENT-OPTIN)", b.path(), name)
	}
}

// ticked names the page's checkboxes that are ticked, or ticked by the
// markup (checked attribute).
func (b *tab) ticked() []string {
	b.t.Helper()
	return eval[[]string](b, `Array.from(document.querySelectorAll("input[type=checkbox]")).filter(function (c) {
  return c.checked || c.defaultChecked;
}).map(function (c) { return (c.form && c.form.id ? "#" + c.form.id + " " : "") + (c.name || c.id || c.outerHTML); })`)
}

// phone shows the page 360 px wide, as a small phone would.
func (b *tab) phone() {
	b.t.Helper()
	b.do("phone width", chromedp.EmulateViewport(phoneWidth, 780, chromedp.EmulatePortrait))
}

// desktop shows the page in a desktop window again.
func (b *tab) desktop() {
	b.t.Helper()
	b.do("desktop width", chromedp.EmulateViewport(desktopWidth, 900))
}

// shotName makes a file name from a path, with known IDs shortened.
func (b *tab) shotName(path string) string {
	for id, short := range b.names {
		path = strings.ReplaceAll(path, id, short)
	}
	path = strings.Trim(path, "/")
	if path == "" {
		path = "home"
	}
	return regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(path, "-")
}

// save writes a full-page screenshot of the tab to the artifacts folder.
func (b *tab) save(shot string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", shot, err)
	}
	file := filepath.Join(artifacts(b.t), shot+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatalf("save screenshot: %v", err)
	}
	if sel, ok := docShots[shot]; ok && os.Getenv("HEARTH_DOCS_SCREENSHOTS") == "1" {
		capture := chromedp.CaptureScreenshot()
		if sel != "" {
			capture = chromedp.Screenshot(chromedp.CSS(sel), chromedp.NodeVisible)
		}
		png, err := chromedp.Run(ctx, capture)
		if err == nil {
			err = os.WriteFile(filepath.Join(docsDir, shot+".png"), png, 0o644)
		}
		if err != nil {
			b.t.Fatalf("save screenshot %s for the docs: %v", shot, err)
		}
	}
}

// has reports whether an element matches sel.
func (b *tab) has(sel string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// name registers a short stable name for an ID in paths, for screenshots.
func (b *tab) name(id, short string) { b.names[id] = short }

// sameSiteLinks lists the same-site pages the current page links to:
// paths with their query, without fragments, API routes or assets.
func (b *tab) sameSiteLinks() []string {
	b.t.Helper()
	hrefs := eval[[]string](b, `Array.from(document.querySelectorAll("a[href]")).map(function (a) { return a.href; })`)
	base, _ := url.Parse(b.base)
	var out []string
	for _, h := range hrefs {
		u, err := url.Parse(h)
		if err != nil || u.Host != base.Host || u.Scheme != base.Scheme {
			continue
		}
		if strings.HasPrefix(u.Path, "/v1/") || strings.HasPrefix(u.Path, "/assets/") {
			continue // the API and the style sheet, not pages
		}
		u.Fragment = ""
		out = append(out, u.RequestURI())
	}
	return out
}

// download clicks sel, which starts a download, and returns the saved file's
// content once Chromium reports it complete.
func (b *tab) download(sel string) []byte {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	for ev, err := range progress {
		if err != nil {
			b.t.Fatalf("download from %s: %v", sel, err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			file := ev.FilePath
			if file == "" {
				file = filepath.Join(b.downloads, ev.GUID)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				b.t.Fatalf("read the download: %v", err)
			}
			return data
		case browser.DownloadProgressStateCanceled:
			b.t.Fatalf("the download from %s was cancelled", sel)
		}
	}
	b.t.Fatalf("no download from %s within %v", sel, stepTimeout)
	return nil
}

// style is the computed look of an element, for comparing two controls.
type style map[string]string

// computedStyle returns the computed properties of the element sel that
// make it look more or less prominent, with its rendered size.
func (b *tab) computedStyle(sel string) style {
	b.t.Helper()
	raw := eval[json.RawMessage](b, fmt.Sprintf(`(function () {
  var e = document.querySelector(%q);
  if (!e) return null;
  var s = getComputedStyle(e), r = e.getBoundingClientRect(), out = {};
  ["font-family", "font-size", "font-weight", "font-style", "line-height", "letter-spacing", "text-transform", "text-decoration-line",
   "color", "background-color", "background-image", "opacity", "border-top-width", "border-top-style", "border-top-color",
   "border-right-width", "border-bottom-width", "border-left-width", "border-radius", "padding-top", "padding-right",
   "padding-bottom", "padding-left", "box-shadow", "display", "visibility"].forEach(function (p) { out[p] = s.getPropertyValue(p); });
  out["tag"] = e.tagName.toLowerCase();
  out["width"] = String(Math.round(r.width));
  out["height"] = String(Math.round(r.height));
  return out;
})()`, sel))
	var s style
	if err := json.Unmarshal(raw, &s); err != nil || s == nil {
		b.t.Fatalf("computed style of %s on %s: element missing (%v)", sel, b.path(), err)
	}
	return s
}

// choicesDiffer compares the computed look of the give and refuse buttons
// inside the element sel and describes each difference.
func (b *tab) choicesDiffer(sel string) []string {
	b.t.Helper()
	give := b.computedStyle(sel + " button.choice[name=decision][value=give]")
	refuse := b.computedStyle(sel + " button.choice[name=decision][value=refuse]")
	var out []string
	for _, k := range slices.Sorted(maps.Keys(give)) {
		if give[k] != refuse[k] {
			out = append(out, fmt.Sprintf("accept and refuse differ in %s: %q and %q", k, give[k], refuse[k]))
		}
	}
	return out
}
