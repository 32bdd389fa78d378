package game

// STUB: signatures are the contract; the game helper replaces the bodies.

// Rect is an axis-aligned wall: X,Y is the top-left corner.
type Rect struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Point is a position in world units.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Map is an arena: its size, its walls and its spawn points.
type Map struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Walls  []Rect  `json:"walls"`
	Spawns []Point `json:"spawns"`
}

// ParseMap decodes and validates a JSON map file (see assets/maps).
func ParseMap(data []byte) (*Map, error) { panic("unimplemented") }
