package game

import "testing"

func TestInputQueue(t *testing.T) {
	tests := []struct {
		name    string
		applied uint32
		push    []uint32
		want    []uint32 // popped in order
	}{
		{"in order", 0, []uint32{1, 2, 3}, []uint32{1, 2, 3}},
		{"reordered", 0, []uint32{3, 1, 2}, []uint32{1, 2, 3}},
		{"duplicates dropped", 0, []uint32{1, 1, 2, 1}, []uint32{1, 2}},
		{"stale dropped", 5, []uint32{4, 5, 6}, []uint32{6}},
		{"overflow drops oldest", 0, []uint32{1, 2, 3, 4, 5, 6}, []uint32{3, 4, 5, 6}},
		{"overflow drops an older newcomer", 0, []uint32{5, 6, 7, 8, 2}, []uint32{5, 6, 7, 8}},
		{"overflow with a late middle one", 0, []uint32{1, 2, 4, 5, 3}, []uint32{2, 3, 4, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := inputQueue{applied: tc.applied, buf: make([]Input, 0, 4)}
			for _, s := range tc.push {
				q.push(Input{Seq: s})
			}
			var got []uint32
			for {
				in, ok := q.pop()
				if !ok {
					break
				}
				got = append(got, in.Seq)
			}
			if !equal(got, tc.want) {
				t.Fatalf("popped %v, want %v", got, tc.want)
			}
			if cap(q.buf) != 4 {
				t.Fatalf("buffer grew to %d", cap(q.buf))
			}
			if len(tc.want) > 0 && q.applied != tc.want[len(tc.want)-1] {
				t.Fatalf("applied = %d", q.applied)
			}
		})
	}
}
