// How a player is named on the arena and on the scoreboard: bots and held
// seats (a player whose connection dropped, PROTOCOL.md §1.9) are marked, so
// a player standing still is not taken for an easy target who is asleep.

/** The label of a player: their name, marked when a bot or disconnected. */
export function playerLabel(p: { name: string; bot: boolean; disconnected?: boolean | undefined }): string {
  let s = p.name;
  if (p.bot) s += " ·bot";
  if (p.disconnected) s += " ·reconnecting";
  return s;
}
