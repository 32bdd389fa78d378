package spectate

import (
	"reflect"
	"strconv"
	"testing"
)

func TestRing(t *testing.T) {
	tests := []struct {
		name       string
		size       int
		pushes     int
		since      uint64
		want       []string
		evictedMax uint64 // id of the last evicted record, 0 if none
	}{
		{"empty", 4, 0, 0, nil, 0},
		{"partial from start", 4, 3, 0, []string{"1", "2", "3"}, 0},
		{"partial from middle", 4, 3, 1, []string{"2", "3"}, 0},
		{"partial at newest", 4, 3, 3, nil, 0},
		{"full", 4, 4, 0, []string{"1", "2", "3", "4"}, 0},
		{"wrapped from floor", 4, 10, 6, []string{"7", "8", "9", "10"}, 6},
		{"wrapped from middle", 4, 10, 8, []string{"9", "10"}, 6},
		{"size one", 1, 5, 4, []string{"5"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRing(tt.size)
			var evictedMax uint64
			for id := uint64(1); id <= uint64(tt.pushes); id++ {
				if old, ok := r.push(record{id: id, data: []byte(strconv.FormatUint(id, 10))}); ok {
					if old.id != id-uint64(tt.size) {
						t.Fatalf("push %d evicted %d", id, old.id)
					}
					evictedMax = old.id
				}
			}
			if evictedMax != tt.evictedMax {
				t.Fatalf("last evicted %d, want %d", evictedMax, tt.evictedMax)
			}
			var got []string
			for _, d := range r.since(tt.since, nil) {
				got = append(got, string(d))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("since(%d) = %v, want %v", tt.since, got, tt.want)
			}
		})
	}
}

func TestRingReset(t *testing.T) {
	r := newRing(3)
	for id := uint64(1); id <= 5; id++ {
		r.push(record{id: id, data: []byte{byte(id)}})
	}
	r.reset()
	if got := r.since(0, nil); len(got) != 0 {
		t.Fatalf("after reset: %v", got)
	}
	r.push(record{id: 6, data: []byte{6}})
	if got := r.since(5, nil); len(got) != 1 || got[0][0] != 6 {
		t.Fatalf("after reset and push: %v", got)
	}
}
