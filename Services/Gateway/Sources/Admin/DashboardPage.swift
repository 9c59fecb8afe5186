/// The read-only HTML dashboard: one self-contained page (no external
/// scripts, fonts or styles) that polls `/dashboard/data` every second.
enum DashboardPage {
  static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Groundswell — live totals</title>
    <style>
      :root { color-scheme: light dark; --accent: #2f6fde; --muted: #777; --stale: #c0392b; }
      body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
      h1 { font-size: 1.3rem; margin: 0 0 1rem; }
      .figures { display: flex; gap: 2.5rem; flex-wrap: wrap; margin-bottom: 1rem; }
      .figure b { display: block; font-size: 2.2rem; font-variant-numeric: tabular-nums; }
      .figure span, .muted { color: var(--muted); }
      .feeds span { margin-right: 1rem; }
      .stale { color: var(--stale); font-weight: 600; }
      table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
      th, td { text-align: right; padding: .35rem .6rem; border-bottom: 1px solid #8883; font-variant-numeric: tabular-nums; }
      th:first-child, td:first-child { text-align: left; }
      svg { width: 100%; height: 160px; display: block; }
      .bar { fill: var(--accent); }
    </style>
    </head>
    <body>
    <h1>Groundswell — signatures across campaigns, live</h1>
    <div class="figures">
      <div class="figure"><b id="grand-signatures">–</b><span>signatures</span></div>
      <div class="figure"><b id="campaign-count">–</b><span>campaigns</span></div>
      <div class="figure"><b id="petition-count">–</b><span>petitions</span></div>
      <div class="figure"><b id="last-hour">–</b><span>in the last hour</span></div>
    </div>
    <div class="feeds" id="feeds"></div>
    <h2 style="font-size:1rem;margin-top:1.5rem">The last day, signatures per 10 minutes</h2>
    <svg id="chart" viewBox="0 0 1440 160" preserveAspectRatio="none" role="img" aria-label="Signatures per 10 minutes over the last day"></svg>
    <div class="muted" id="chart-range"></div>
    <table>
      <thead><tr><th>Campaign</th><th>Signatures</th><th>Supporters</th><th>Last hour</th><th>Petitions</th><th>Organizations</th></tr></thead>
      <tbody id="campaigns"></tbody>
    </table>
    <p class="muted" id="updated">Loading…</p>
    <script>
    const number = new Intl.NumberFormat();
    function text(id, value) { document.getElementById(id).textContent = value; }
    function cell(value) { const td = document.createElement("td"); td.textContent = value; return td; }
    function draw(lastDay) {
      const svg = document.getElementById("chart");
      const bins = [];
      for (let i = 0; i < lastDay.length; i += 10) bins.push(lastDay.slice(i, i + 10).reduce((a, b) => a + b, 0));
      const max = Math.max(1, ...bins);
      svg.replaceChildren(...bins.map((value, i) => {
        const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
        const height = 150 * value / max;
        rect.setAttribute("class", "bar");
        rect.setAttribute("x", i * 10 + 1); rect.setAttribute("width", 8);
        rect.setAttribute("y", 160 - height); rect.setAttribute("height", height);
        const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
        title.textContent = value + " signatures";
        rect.appendChild(title);
        return rect;
      }));
    }
    async function refresh() {
      try {
        const response = await fetch("/dashboard/data", { cache: "no-store" });
        if (!response.ok) throw new Error("HTTP " + response.status);
        const data = await response.json();
        text("grand-signatures", number.format(data.signatures));
        text("campaign-count", number.format(data.campaignCount));
        text("petition-count", number.format(data.petitionCount));
        text("last-hour", number.format(data.lastDay.slice(-60).reduce((a, b) => a + b, 0)));
        document.getElementById("feeds").replaceChildren(...data.feeds.map(feed => {
          const span = document.createElement("span");
          span.className = feed.stale ? "stale" : "muted";
          const asOf = feed.asOf ? new Date(feed.asOf).toLocaleTimeString() : "never";
          span.textContent = feed.stale ? `${feed.service}: STALE since ${asOf} — ${feed.reason}` : `${feed.service}: live as of ${asOf}`;
          return span;
        }));
        document.getElementById("campaigns").replaceChildren(...data.campaigns.map(c => {
          const row = document.createElement("tr");
          row.dataset.campaign = c.name;
          row.append(cell(c.title || c.name), cell(number.format(c.signatures)), cell(number.format(c.uniqueSupporters)),
                     cell(number.format(c.lastHour)), cell(c.petitions), cell(c.organizations));
          row.children[1].className = "signatures";
          return row;
        }));
        draw(data.lastDay);
        text("chart-range", `from ${new Date(data.lastDayStart).toLocaleString()} to now`);
        text("updated", "Updated " + new Date(data.computedAt).toLocaleTimeString());
      } catch (error) {
        text("updated", "Cannot reach the gateway: " + error.message);
      }
    }
    refresh();
    setInterval(refresh, 1000);
    </script>
    </body>
    </html>
    """#
}
