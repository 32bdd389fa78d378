package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/skirmish-game/skirmish/client"
)

// dashboardView is what TestBrowserAdmin reads of the dashboard page.
type dashboardView struct {
	Search  string `json:"search"`
	Samples int    `json:"samples"`
	Humans  int    `json:"humans"`
	Canvas  int    `json:"canvas"`
	Rows    string `json:"rows"`
	Live    string `json:"live"`
}

// TestBrowserAdmin, in real headless Chromium: a private match's join link
// (/?match=ID) plays that match, and the dashboard, opened with the
// token's link, draws its charts from the live stream and lists the match
// with the player.
func TestBrowserAdmin(t *testing.T) {
	if !client.Built() {
		t.Fatal("client/dist is empty: build the client first (make test does)")
	}
	if _, err := client.Dashboard(); err != nil {
		t.Fatal(err)
	}
	a := startAdminServer(t, nil)
	var created adminMatch
	a.must(t, "POST", "/admin/matches", "", http.StatusCreated, &created)

	ctx := newBrowser(t) // headless Chromium, 1280×800, closed when the test ends

	// The join link.
	if err := chromedp.Do(ctx, chromedp.Navigate(a.base+created.Join)); err != nil {
		t.Fatalf("open the join link: %v", err)
	}
	v := waitView(t, ctx, "playing the linked match", `(v, match) => v.mode === "playing" && v.matchId === match &&
	  v.you !== 0 && v.snapshots > 2`, created.ID)
	url, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search + location.hash`))
	if err != nil {
		t.Fatal(err)
	}
	if url != "#/play/"+created.ID {
		t.Errorf("the page's URL ends %q, want the play route without the query", url)
	}

	// The dashboard, in a second tab.
	dash, cancelDash := chromedp.NewContext(ctx)
	defer cancelDash()
	if err := chromedp.Do(dash, chromedp.Navigate(a.admin+"/dashboard/?access_token="+testAdminToken)); err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	dv, err := chromedp.Run(dash, chromedp.PollFunction[dashboardView](`(match) => {
	  const s = window.skirmishAdmin, rows = document.getElementById("matches");
	  if (!s || s.samples < 2 || s.latest.humans < 1 || !rows || !rows.textContent.includes(match)) return false;
	  return { search: location.search, samples: s.samples, humans: s.latest.humans,
	    canvas: document.querySelectorAll(".chart canvas").length, rows: rows.textContent,
	    live: document.getElementById("live").dataset.state };
	}`, chromedp.WithPollingArgs(created.ID), chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		html, _ := chromedp.Run(dash, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		t.Fatalf("the dashboard: %v; page: %.500s", err, html)
	}
	if dv.Search != "" {
		t.Errorf("the token stayed in the address bar: %q", dv.Search)
	}
	if dv.Canvas < 3 || dv.Live != "live" {
		t.Errorf("dashboard %+v: want three uPlot charts and a live stream", dv)
	}
	if !strings.Contains(dv.Rows, "e2e") && !strings.Contains(dv.Rows, "player") {
		t.Errorf("the match table does not list the player (%d): %q", v.You, dv.Rows)
	}
}
