// Entry point: wires the lobby, the game view and the spectator view to the
// hash routes (#/ lobby, #/play, #/play/{id}, #/watch/{id}, #/replay/{id}); exactly one of
// them runs at a time.
import { Arena } from "./arena";
import { installDebug, resetDebug } from "./debug";
import { Lobby } from "./lobby/lobby";
import { PlaySession } from "./play/session";
import { parseRoute, routeFromQuery, routeHash, type Route } from "./route";
import { WatchSession } from "./spectate/watch";

interface Screen {
  stop(): void;
}

function navigate(r: Route): void {
  const hash = routeHash(r);
  // Same hash (Play again from #/play): no hashchange fires, so route directly.
  if (location.hash === hash) route();
  else location.hash = hash;
}

const nav = {
  lobby: () => navigate({ view: "lobby" }),
  quickPlay: () => navigate({ view: "play", match: "" }),
  play: (match: string) => navigate({ view: "play", match }),
  watch: (match: string) => navigate({ view: "watch", match }),
  replay: (match: string) => navigate({ view: "replay", match }),
  // Quick play found a match: put it in the URL (a reload rejoins it) without
  // a hashchange, which would restart the session.
  joined: (match: string) => history.replaceState(null, "", routeHash({ view: "play", match })),
};

installDebug(window);
const lobby = new Lobby(nav);
const arena = new Arena(nav.lobby);
let current: Screen | null = null;

function route(): void {
  current?.stop();
  current = null;
  const r = parseRoute(location.hash);
  switch (r.view) {
    case "lobby":
      resetDebug("lobby");
      lobby.start();
      current = lobby;
      break;
    case "play":
      current = new PlaySession(arena, { name: lobby.name(), match: r.match }, nav);
      break;
    case "watch":
      current = new WatchSession(arena, r.match, nav, false);
      break;
    case "replay":
      current = new WatchSession(arena, r.match, nav, true);
      break;
  }
}

// A join link (/?match=ID) plays that match: the query becomes the route's
// hash, so a reload or Play again does not land on the link again.
const linked = routeFromQuery(location.search);
if (linked) history.replaceState(null, "", location.pathname + routeHash(linked));

window.addEventListener("hashchange", route);
route();
