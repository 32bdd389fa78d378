// The admin dashboard (served by the admin listener at /dashboard/, see
// docs/ADMIN.md): live numbers and charts from the samples of
// GET /admin/stream (EventSource, which carries the listener's cookie), and
// the match table from GET /admin/matches. Charts by uPlot.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./dashboard.css";
import { Series, formatRate, parseHistory, parseSample, type Sample } from "./series";

/** Ten minutes at the server's one sample a second; it keeps five. */
const KEEP = 600;
const series = new Series(KEEP);

function el(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`dashboard: #${id} is missing`);
  return e;
}

interface Chart {
  plot: uPlot;
  fields: ReadonlyArray<keyof Sample>;
}

function chart(id: string, fields: ReadonlyArray<keyof Sample>, labels: string[], colors: string[]): Chart {
  const host = el(id);
  const opts: uPlot.Options = {
    width: Math.max(300, host.clientWidth),
    height: 200,
    scales: { x: { time: true } },
    axes: [{ stroke: "#94a3b8", grid: { stroke: "#1e293b" } }, { stroke: "#94a3b8", grid: { stroke: "#1e293b" } }],
    series: [{}, ...labels.map((label, i) => ({ label, stroke: colors[i] ?? "#60a5fa", width: 2 }))],
  };
  return { plot: new uPlot(opts, series.columns(fields) as uPlot.AlignedData, host), fields };
}

const charts: Chart[] = [
  chart("chart-people", ["matches", "humans", "bots", "spectators"], ["matches", "players", "bots", "spectators"],
    ["#f472b6", "#60a5fa", "#94a3b8", "#4ade80"]),
  chart("chart-ticks", ["tickP50", "tickP99"], ["p50", "p99"], ["#60a5fa", "#f97316"]),
  chart("chart-bytes", ["bytesOut"], ["bytes/s"], ["#a78bfa"]),
];

function draw(): void {
  for (const c of charts) c.plot.setData(series.columns(c.fields) as uPlot.AlignedData);
  const s = series.latest();
  if (!s) return;
  el("stat-matches").textContent = String(s.matches);
  el("stat-humans").textContent = `${s.humans} (${s.held})`;
  el("stat-bots").textContent = String(s.bots);
  el("stat-spectators").textContent = String(s.spectators);
  el("stat-tick").textContent = `${s.tickP50.toFixed(2)} / ${s.tickP99.toFixed(2)}`;
  el("stat-bytes").textContent = formatRate(s.bytesOut);
  window.skirmishAdmin = { samples: charts[0]?.plot.data[0]?.length ?? 0, latest: s };
}

function live(state: "live" | "connecting", text: string): void {
  const e = el("live");
  e.dataset["state"] = state;
  e.textContent = text;
}

const stream = new EventSource("/admin/stream");
stream.addEventListener("history", (e) => {
  series.reset(parseHistory(JSON.parse((e as MessageEvent<string>).data)));
  live("live", "live");
  draw();
});
stream.addEventListener("sample", (e) => {
  series.push(parseSample(JSON.parse((e as MessageEvent<string>).data)));
  draw();
});
stream.addEventListener("error", () => live("connecting", "reconnecting…"));

interface MatchRow {
  id: string;
  phase: string;
  private: boolean;
  spectators: number;
  players: Array<{ id: number; name: string; bot: boolean; disconnected: boolean; kills: number; deaths: number }>;
}

function cell(text: string, cls = ""): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

async function refreshMatches(): Promise<void> {
  try {
    const res = await fetch("/admin/matches", { cache: "no-store" });
    if (!res.ok) return;
    const rows = (await res.json()) as MatchRow[];
    const body = el("matches");
    body.replaceChildren(
      ...rows.map((m) => {
        const tr = document.createElement("tr");
        const id = cell(m.id, "id");
        if (m.private) {
          const tag = document.createElement("span");
          tag.className = "tag";
          tag.textContent = "private";
          id.append(tag);
        }
        const players = cell("");
        for (const p of m.players) {
          const span = document.createElement("div");
          span.className = p.bot ? "bot" : p.disconnected ? "held" : "";
          span.textContent = `${p.id} ${p.name}${p.bot ? " (bot)" : ""}${p.disconnected ? " (held)" : ""} — ${p.kills}/${p.deaths}`;
          players.append(span);
        }
        tr.append(id, cell(m.phase), players, cell(String(m.spectators)));
        return tr;
      }),
    );
  } catch {
    // The next refresh tries again; the stream's state shows a dead server.
  }
}

void refreshMatches();
setInterval(() => void refreshMatches(), 2000);
window.addEventListener("resize", () => {
  for (const c of charts) {
    const host = c.plot.root.parentElement;
    if (host) c.plot.setSize({ width: Math.max(300, host.clientWidth), height: 200 });
  }
});

declare global {
  interface Window {
    /** What the dashboard has drawn, for tests: points charted and the newest sample. */
    skirmishAdmin?: { samples: number; latest: Sample };
  }
}
