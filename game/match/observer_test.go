package match

import "testing"

func TestTickDue(t *testing.T) {
	tests := []struct {
		name           string
		rate, tickRate int
		want           string // ticks 1..30: x due, . not
	}{
		{"20/s at 30 Hz: gaps of 1 and 2", 20, 30, ".xx.xx.xx.xx.xx.xx.xx.xx.xx.xx"},
		{"10/s at 30 Hz: every third", 10, 30, "..x..x..x..x..x..x..x..x..x..x"},
		{"the tick rate: every tick", 30, 30, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
		{"above the tick rate: every tick", 64, 30, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
		{"7/s at 30 Hz", 7, 30, "....x...x...x....x...x...x...x"},
		{"none", 0, 30, ".............................."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]byte, 0, 30)
			n := 0
			for tick := uint32(1); tick <= 30; tick++ {
				c := byte('.')
				if TickDue(tick, tc.rate, tc.tickRate) {
					c = 'x'
					n++
				}
				got = append(got, c)
			}
			if string(got) != tc.want {
				t.Fatalf("due ticks\n got %s\nwant %s", got, tc.want)
			}
			if want := min(max(tc.rate, 0), tc.tickRate); n != want {
				t.Fatalf("%d due per second of ticks, want exactly %d", n, want)
			}
		})
	}
	if !TickDue(0, 1, 30) {
		t.Fatal("tick 0 must be due")
	}
	// Any window of a second of ticks has exactly rate due ticks.
	for start := uint32(1); start < 200; start++ {
		n := 0
		for tick := start; tick < start+30; tick++ {
			if TickDue(tick, 20, 30) {
				n++
			}
		}
		if n != 20 {
			t.Fatalf("ticks %d..%d: %d due, want 20", start, start+29, n)
		}
	}
}
