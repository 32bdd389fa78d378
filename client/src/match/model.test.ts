import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MatchModel, rankScoreboard } from "./model";

describe("rankScoreboard", () => {
  it("sorts by kills, then fewer deaths, then id", () => {
    const rows = [
      { id: 1, kills: 2, deaths: 5 },
      { id: 2, kills: 7, deaths: 1 },
      { id: 3, kills: 2, deaths: 1 },
      { id: 4, kills: 2, deaths: 1 },
    ];
    assert.deepEqual(rankScoreboard(rows).map((r) => r.id), [2, 3, 4, 1]);
    assert.deepEqual(rows.map((r) => r.id), [1, 2, 3, 4], "input untouched");
  });
});

describe("MatchModel", () => {
  it("names players from roster and joins, forgets leavers", () => {
    const m = new MatchModel();
    m.setRoster([{ id: 1, name: "ada", bot: false }]);
    m.apply({ kind: "join", player: 2, name: "bot-bo", bot: true }, 0);
    assert.equal(m.name(1), "ada");
    assert.equal(m.name(2), "bot-bo");
    assert.ok(m.isBot(2));
    assert.equal(m.name(0), "the world");
    m.apply({ kind: "leave", player: 2 }, 0);
    assert.equal(m.name(2), "player 2");
  });

  it("keeps the last kills and fades them out", () => {
    const m = new MatchModel(3, 5000);
    m.setRoster([{ id: 1, name: "ada", bot: false }, { id: 2, name: "bo", bot: true }]);
    for (let i = 0; i < 5; i++) m.apply({ kind: "kill", killer: 1, victim: 2 }, i * 100);
    m.apply({ kind: "leave", player: 2 }, 500);
    const feed = m.killFeed(600);
    assert.equal(feed.length, 3);
    assert.deepEqual(feed.map((k) => k.at), [200, 300, 400]);
    assert.equal(feed[2]?.victimName, "bo", "names captured at the time of the kill");
    assert.equal(feed[2]?.alpha, 1);
    const fading = m.killFeed(4700); // entry at 400 has 700 ms left
    assert.ok(Math.abs((fading[fading.length - 1]?.alpha ?? 0) - 0.7) < 1e-9);
    assert.equal(m.killFeed(5400).length, 0);
  });

  it("counts the phase timer down locally", () => {
    const m = new MatchModel();
    m.apply({ kind: "phase", phase: "countdown", timeLeft: 3 }, 1000);
    assert.equal(m.phase, "countdown");
    assert.equal(m.timeLeft(2500), 1.5);
    assert.equal(m.timeLeft(9000), 0);
    m.setTimeLeft(0, 9000);
    assert.equal(m.timeLeft(9000), null, "0 means open-ended");
  });

  it("builds the final scoreboard from scores when the end event has none", () => {
    const m = new MatchModel();
    m.setRoster([{ id: 1, name: "ada", bot: false }, { id: 2, name: "bo", bot: true }]);
    m.setScores([{ id: 1, kills: 3, deaths: 2 }, { id: 2, kills: 4, deaths: 0 }]);
    m.apply({ kind: "score", player: 1, kills: 5 }, 0);
    m.apply({ kind: "end", winner: 1, reason: "score_limit" }, 0);
    assert.equal(m.phase, "ended");
    assert.deepEqual(m.ended, {
      winner: 1,
      winnerName: "ada",
      reason: "score_limit",
      scoreboard: [
        { id: 1, name: "ada", kills: 5, deaths: 2 },
        { id: 2, name: "bo", kills: 4, deaths: 0 },
      ],
    });
  });

  it("counts the deaths of kills since the last scores in the final scoreboard", () => {
    // The player wire: the kill that reaches the score limit, its score and
    // the end all come in one events message, before that tick's snapshot.
    const m = new MatchModel();
    m.setRoster([{ id: 1, name: "ada", bot: false }, { id: 2, name: "bo", bot: true }, { id: 3, name: "cy", bot: true }]);
    m.setScores([{ id: 1, kills: 2, deaths: 1 }, { id: 2, kills: 1, deaths: 0 }, { id: 3, kills: 3, deaths: 0 }]);
    m.apply({ kind: "kill", killer: 1, victim: 3 }, 0);
    m.apply({ kind: "score", player: 1, kills: 3 }, 0);
    m.apply({ kind: "end", winner: 1, reason: "score_limit" }, 0);
    // ada and cy are tied on 3 kills and 1 death; the lower id ranks first,
    // as the server picked the winner.
    assert.deepEqual(m.ended?.scoreboard, [
      { id: 1, name: "ada", kills: 3, deaths: 1 },
      { id: 3, name: "cy", kills: 3, deaths: 1 },
      { id: 2, name: "bo", kills: 1, deaths: 0 },
    ]);
    assert.equal(m.ended?.scoreboard[0]?.id, m.ended?.winner);
  });

  it("lets the next scores replace a counted death (no double count)", () => {
    const m = new MatchModel();
    m.setRoster([{ id: 1, name: "ada", bot: false }, { id: 2, name: "bo", bot: true }]);
    m.setScores([{ id: 1, kills: 0, deaths: 0 }, { id: 2, kills: 0, deaths: 0 }]);
    m.apply({ kind: "kill", killer: 0, victim: 2 }, 0);
    m.setScores([{ id: 1, kills: 0, deaths: 0 }, { id: 2, kills: 0, deaths: 1 }]); // that tick's snapshot
    m.apply({ kind: "end", winner: 0, reason: "time_limit" }, 0);
    assert.deepEqual(m.ended?.scoreboard.map((r) => [r.id, r.deaths]), [[1, 0], [2, 1]]);
  });

  it("keeps the scores of players a partial state leaves out (interest), from the roster and events", () => {
    // The player wire on a large map: a state holds only the players near
    // you (PROTOCOL.md §1.10); the scoreboard still lists everyone.
    const m = new MatchModel();
    m.setRoster([{ id: 1, name: "ada", bot: false }, { id: 2, name: "bo", bot: true }]);
    m.setScores([{ id: 1, kills: 0, deaths: 0 }, { id: 2, kills: 2, deaths: 1 }]); // the welcome's roster
    m.setScores([{ id: 1, kills: 1, deaths: 0 }], true); // bo is far away
    m.apply({ kind: "join", player: 3, name: "cy", bot: true }, 0);
    m.apply({ kind: "kill", killer: 3, victim: 2 }, 0);
    m.apply({ kind: "score", player: 3, kills: 1 }, 0);
    m.setScores([{ id: 1, kills: 1, deaths: 0 }], true);
    const rows = () => [...m.scoreRows()].sort((a, b) => a.id - b.id).map((r) => [r.id, r.kills, r.deaths]);
    assert.deepEqual(rows(), [[1, 1, 0], [2, 2, 2], [3, 1, 0]]);
    m.apply({ kind: "leave", player: 2 }, 0);
    assert.deepEqual(rows(), [[1, 1, 0], [3, 1, 0]]);
    // A whole state (the spectators') replaces every row.
    m.setScores([{ id: 3, kills: 1, deaths: 0 }]);
    assert.deepEqual(rows(), [[3, 1, 0]]);
  });

  it("uses the feed's scoreboard when the end event carries one", () => {
    const m = new MatchModel();
    m.apply({ kind: "end", winner: 0, reason: "shutdown", scoreboard: [
      { id: 4, name: "x", kills: 0, deaths: 0 },
      { id: 3, name: "y", kills: 1, deaths: 0 },
    ] }, 0);
    assert.deepEqual(m.ended?.scoreboard.map((r) => r.id), [3, 4]);
    assert.equal(m.ended?.winnerName, "");
  });
});
