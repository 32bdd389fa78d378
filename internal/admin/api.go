package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/skirmish-game/skirmish/game"
	"github.com/skirmish-game/skirmish/game/match"
	"github.com/skirmish-game/skirmish/internal/httpapi"
)

// matchView is one match in the admin API (docs/ADMIN.md).
type matchView struct {
	ID         string       `json:"id"`
	Map        string       `json:"map"`
	Phase      string       `json:"phase"`
	Private    bool         `json:"private"`
	Tick       uint32       `json:"tick"`
	TimeLeft   float64      `json:"timeLeft"` // seconds, 1 decimal
	Humans     int          `json:"humans"`
	Bots       int          `json:"bots"`
	MaxPlayers int          `json:"maxPlayers"`
	Spectators int          `json:"spectators"`
	Players    []playerView `json:"players"`
	Join       string       `json:"join"` // the players' link, relative to the server's address
}

// playerView is one player of a match.
type playerView struct {
	ID           game.PlayerID `json:"id"`
	Name         string        `json:"name"`
	Bot          bool          `json:"bot"`
	Disconnected bool          `json:"disconnected"` // the seat is held after a dropped connection
	Kills        int           `json:"kills"`
	Deaths       int           `json:"deaths"`
}

// joinLink is the browser client's link into match id: the page reads
// ?match= and joins that match (client/src/route.ts).
func joinLink(id string) string { return "/?match=" + url.QueryEscape(id) }

func (s *Server) view(info match.Info, m *match.Match) matchView {
	v := matchView{
		ID: info.ID, Map: info.Map, Phase: info.Phase.String(), Private: info.Private, Tick: info.Tick,
		TimeLeft: math.Round(info.TimeLeft.Seconds()*10) / 10,
		Humans:   info.Humans, Bots: info.Bots, MaxPlayers: info.MaxPlayers,
		Spectators: s.cfg.Spectators(info.ID),
		Players:    []playerView{},
		Join:       joinLink(info.ID),
	}
	for _, p := range m.Players() {
		v.Players = append(v.Players, playerView{
			ID: p.ID, Name: p.Name, Bot: p.Flags&game.FlagBot != 0,
			Disconnected: p.Flags&game.FlagDisconnected != 0, Kills: p.Kills, Deaths: p.Deaths,
		})
	}
	return v
}

// listMatches serves GET /admin/matches: every running match, private ones
// included, with its players, ordered by id.
func (s *Server) listMatches(w http.ResponseWriter, r *http.Request) {
	out := []matchView{}
	for _, info := range s.cfg.Registry.List() {
		if m, ok := s.cfg.Registry.Find(info.ID); ok {
			out = append(out, s.view(info, m))
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// getMatch serves GET /admin/matches/{id}.
func (s *Server) getMatch(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, info := range s.cfg.Registry.List() {
		if info.ID != id {
			continue
		}
		if m, ok := s.cfg.Registry.Find(id); ok {
			httpapi.WriteJSON(w, http.StatusOK, s.view(info, m))
			return
		}
	}
	matchNotFound(w, id)
}

// createMatch serves POST /admin/matches: a private match, which quick play
// never offers and the public list does not show; players join it by its
// link.
func (s *Server) createMatch(w http.ResponseWriter, r *http.Request) {
	m, err := s.cfg.Registry.CreatePrivate()
	switch {
	case errors.Is(err, match.ErrDraining), errors.Is(err, match.ErrRegistryStopped):
		httpapi.WriteError(w, http.StatusServiceUnavailable, "draining", "the server is draining: it starts no new match")
		return
	case errors.Is(err, match.ErrTooManyMatches):
		httpapi.WriteError(w, http.StatusServiceUnavailable, "too_many_matches", err.Error())
		return
	case err != nil:
		s.log.Error("admin: create a match", "err", err)
		httpapi.WriteError(w, http.StatusInternalServerError, "internal", "the match could not be created")
		return
	}
	s.log.Info("admin: private match created", "match", m.ID())
	w.Header().Set("Location", "/admin/matches/"+url.PathEscape(m.ID()))
	httpapi.WriteJSON(w, http.StatusCreated, s.view(m.Info(), m))
}

// endMatch serves DELETE /admin/matches/{id}: the match ends now with
// reason admin.
func (s *Server) endMatch(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.cfg.Registry.End(id); err != nil {
		matchNotFound(w, id)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"id": id, "reason": game.EndAdmin.String()})
}

// kick serves POST /admin/matches/{id}/kick/{player}.
func (s *Server) kick(w http.ResponseWriter, r *http.Request) {
	id, raw := r.PathValue("id"), r.PathValue("player")
	n, err := strconv.ParseUint(raw, 10, 16)
	if err != nil || n == 0 {
		httpapi.WriteError(w, http.StatusBadRequest, "bad_player", fmt.Sprintf("player %q: want a player id, 1 to 65535", raw))
		return
	}
	player := game.PlayerID(n)
	m, ok := s.cfg.Registry.Find(id)
	if !ok {
		matchNotFound(w, id)
		return
	}
	var found *game.PlayerState
	for _, p := range m.Players() {
		if p.ID == player {
			found = &p
			break
		}
	}
	switch {
	case found == nil:
		playerNotFound(w, id, player)
		return
	case found.Flags&game.FlagBot != 0:
		httpapi.WriteError(w, http.StatusConflict, "player_is_bot", fmt.Sprintf("player %d is a server bot: bots are not kicked", player))
		return
	}
	if err := s.cfg.Kick(id, player); err != nil {
		playerNotFound(w, id, player) // left between the look and the kick
		return
	}
	s.log.Info("admin: player kicked", "match", id, "player", player, "name", found.Name)
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"match": id, "player": player, "kicked": true})
}

// drainRequest is POST /admin/drain's optional body.
type drainRequest struct {
	Timeout string `json:"timeout"` // a Go duration, "30s"; "" means Config.DrainTimeout
}

// drain serves POST /admin/drain: the server stops taking new matches,
// waits for its matches to end (at most the timeout) and exits. It answers
// 202 at once with the deadline.
func (s *Server) drain(w http.ResponseWriter, r *http.Request) {
	var req drainRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, 4096))
	if err != nil {
		httpapi.WriteError(w, http.StatusBadRequest, "bad_request", "the body could not be read")
		return
	}
	if len(body) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			httpapi.WriteError(w, http.StatusBadRequest, "bad_request", `want {"timeout":"30s"} or no body: `+err.Error())
			return
		}
	}
	timeout := s.cfg.DrainTimeout
	if req.Timeout != "" {
		d, err := time.ParseDuration(req.Timeout)
		if err != nil || d < 0 || d > MaxDrainTimeout {
			httpapi.WriteError(w, http.StatusBadRequest, "bad_timeout",
				fmt.Sprintf("timeout %q: want a duration from 0s to %s", req.Timeout, MaxDrainTimeout))
			return
		}
		timeout = d
	}
	deadline := s.cfg.Drain(timeout)
	s.log.Info("admin: drain requested", "deadline", deadline)
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]string{
		"status": "draining", "deadline": deadline.UTC().Format(time.RFC3339Nano),
	})
}

func matchNotFound(w http.ResponseWriter, id string) {
	httpapi.WriteError(w, http.StatusNotFound, "match_not_found", fmt.Sprintf("no running match has id %q", id))
}

func playerNotFound(w http.ResponseWriter, id string, p game.PlayerID) {
	httpapi.WriteError(w, http.StatusNotFound, "player_not_found", fmt.Sprintf("match %q has no player %d", id, p))
}

func writeUnavailable(w http.ResponseWriter, code, message string) {
	httpapi.WriteError(w, http.StatusServiceUnavailable, code, message)
}
