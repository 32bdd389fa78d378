// Hash routes: #/ lobby, #/play (quick play), #/play/{matchId}, #/watch/{matchId},
// #/replay/{matchId} (an ended match's replay, from its start).
// A join link (/?match={matchId}, what the admin API hands out for a private
// match) becomes #/play/{matchId}.

/** A parsed route. */
export type Route =
  | { view: "lobby" }
  | { view: "play"; match: string } // match "" = quick play
  | { view: "watch"; match: string }
  | { view: "replay"; match: string };

/** Parses location.hash; anything unknown is the lobby. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter((p) => p !== "");
  const [view, id, ...rest] = parts;
  if (rest.length > 0) return { view: "lobby" };
  const match = id === undefined ? "" : safeDecode(id);
  if (match === null) return { view: "lobby" };
  if (view === "play") return { view: "play", match };
  if (view === "watch" && match !== "") return { view: "watch", match };
  if (view === "replay" && match !== "") return { view: "replay", match };
  return { view: "lobby" };
}

/** The hash for a route. */
export function routeHash(r: Route): string {
  switch (r.view) {
    case "lobby":
      return "#/";
    case "play":
      return r.match ? `#/play/${encodeURIComponent(r.match)}` : "#/play";
    case "watch":
      return `#/watch/${encodeURIComponent(r.match)}`;
    case "replay":
      return `#/replay/${encodeURIComponent(r.match)}`;
  }
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/**
 * The route a page's query asks for: `?match=ID` is a join link (the admin
 * API's for a private match) and means #/play/ID; null when the query has
 * no match. Any hash is left to parseRoute.
 */
export function routeFromQuery(search: string): Route | null {
  const match = new URLSearchParams(search).get("match");
  if (match === null || match.trim() === "") return null;
  return { view: "play", match: match.trim() };
}
