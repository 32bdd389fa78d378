package game

import (
	"errors"
	"math"
	"testing"
)

func TestInputSanitize(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name    string
		in      Input
		want    Input
		wantErr bool
	}{
		{"unchanged", Input{Seq: 1, MoveX: 0.5, MoveY: -0.5, Aim: 1, Buttons: ButtonFire}, Input{Seq: 1, MoveX: 0.5, MoveY: -0.5, Aim: 1, Buttons: ButtonFire}, false},
		{"move clamped to length 1", Input{MoveX: 3, MoveY: 4}, Input{MoveX: 0.6, MoveY: 0.8}, false},
		{"axis clamped", Input{MoveX: -10}, Input{MoveX: -1}, false},
		{"aim wrapped", Input{Aim: 3 * math.Pi / 2}, Input{Aim: -math.Pi / 2}, false},
		{"aim wrapped negative", Input{Aim: -5 * math.Pi / 2}, Input{Aim: -math.Pi / 2}, false},
		{"aim at pi kept", Input{Aim: math.Pi}, Input{Aim: math.Pi}, false},
		{"unknown buttons dropped", Input{Buttons: 0xff}, Input{Buttons: ButtonFire}, false},
		{"NaN move", Input{MoveX: nan}, Input{}, true},
		{"NaN aim", Input{Aim: nan}, Input{}, true},
		{"Inf move", Input{MoveY: -inf}, Input{}, true},
		{"Inf aim", Input{Aim: inf}, Input{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.Sanitize()
			if tc.wantErr {
				if !errors.Is(err, ErrInvalidInput) {
					t.Fatalf("err = %v, want ErrInvalidInput", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Seq != tc.want.Seq || got.Buttons != tc.want.Buttons ||
				!near(got.MoveX, tc.want.MoveX, 1e-12) || !near(got.MoveY, tc.want.MoveY, 1e-12) || !near(got.Aim, tc.want.Aim, 1e-12) {
				t.Fatalf("Sanitize(%+v) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{PhaseWaiting.String(), "waiting"},
		{PhaseEnded.String(), "ended"},
		{Phase(9).String(), "phase(9)"},
		{EventKill.String(), "kill"},
		{EventKind(0).String(), "event(0)"},
		{EventDisconnect.String(), "disconnect"},
		{EventReconnect.String(), "reconnect"},
		{EndScoreLimit.String(), "score_limit"},
		{EndShutdown.String(), "shutdown"},
		{EndAdmin.String(), "admin"},
		{EndReason(0).String(), "end_reason(0)"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
