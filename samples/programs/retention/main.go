// retention: heap dumps (runtime/debug.WriteHeapDump) whose retention is known by
// construction, one process per shape so that each dump holds one story and the runtime's own
// few hundred KiB.
//
// `retention DIR` runs itself once per shape (`retention DIR SHAPE`); each run writes
// DIR/SHAPE/base.heapdump, DIR/SHAPE/later.heapdump and DIR/SHAPE/expected.json.
//
// What each group retains is measured the only way that needs no knowledge of the runtime's
// layout: HeapAlloc after a runtime.GC() with the structure built, minus HeapAlloc after a
// runtime.GC() before any of it was built. Everything the structure's root dominates is freed
// without it, and nothing else is built in between (the dump files are opened, the goroutines
// started and the metrics buffer made before the first reading), so the difference is the
// root's retained size. Where the sizes are all size classes the program also computes it
// from its own sizes ("constructed_bytes") and fails if the two disagree by more than the
// stated tolerance. Pointer bytes are counted from the types the program declares (8 per
// pointer word of each object the root dominates); null where the runtime's own layout holds
// them (map internals).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
)

// Tolerance is what the root's retained size in a dump may differ from the expected bytes
// by, and the measurement from the construction: the runtime's own allocations while a
// structure is built (sudogs, timers, a tiny block begun: 0 to 5,432 bytes seen over 12 runs).
// Stated per group in expected.json.
const tolerance = 8192

// Moment is what one group holds at one dump.
type Moment struct {
	// constructed_bytes where the program knows it, else measured_bytes
	ExpectedBytes    int64  `json:"expected_retained_bytes"`
	MeasuredBytes    int64  `json:"measured_bytes"`              // HeapAlloc delta
	ConstructedBytes *int64 `json:"constructed_bytes,omitempty"` // from the program's sizes
	// heap objects the root dominates (a 16-byte tiny block begun before may add one)
	Objects      *int64 `json:"objects,omitempty"`
	PointerBytes *int64 `json:"pointer_bytes"` // 8 × pointer words in them
}

// Root is what dominates a group, as the JSON contract names it.
type Root struct {
	Kind string `json:"kind"` // global | stack | finalizer
	Name string `json:"name"`
}

// Group is one root's retention at base and later.
type Group struct {
	Root           Root              `json:"root"`
	Path           []string          `json:"path"` // the dominator path's shape, root first
	ToleranceBytes int64             `json:"tolerance_bytes"`
	Moments        map[string]Moment `json:"moments"`
	Note           string            `json:"note,omitempty"`
}

// Expected is DIR/SHAPE/expected.json.
type Expected struct {
	Shape           string           `json:"shape"`
	Story           string           `json:"story"`
	Groups          []Group          `json:"groups"`
	GCScanHeapBytes map[string]int64 `json:"gc_scan_heap_bytes"` // /gc/scan/heap:bytes at each dump
	HeapAllocBytes  map[string]int64 `json:"heap_alloc_bytes"`   // MemStats.HeapAlloc at each dump
	// Extra facts a shape states (the shared child's siblings).
	Facts map[string]int64 `json:"facts,omitempty"`
}

// shape builds its structure in two steps: builds[g](0) before the base dump, builds[g](1)
// before the later one, one builder per group (each measured alone); describe reports the
// groups with that step's moment filled (after the measurement: its own allocations are no
// part of any group).
type shape struct {
	story    string
	setup    func() // before the first reading (goroutines, ...)
	builds   []func(step int)
	describe func(step int) []Group
}

var shapes = map[string]shape{
	"global_map":      {storyMap, nil, []func(int){buildMap}, describeMap},
	"stack_slice":     {storyStack, setupStack, []func(int){buildStack}, describeStack},
	"finalizer":       {storyFinalizer, nil, []func(int){buildFinalizer}, describeFinalizer},
	"linked_list":     {storyList, nil, []func(int){buildList}, describeList},
	"cycle":           {storyCycle, nil, []func(int){buildCycle}, describeCycle},
	"shared_child":    {storyShared, nil, []func(int){buildShared}, describeShared},
	"pointers_values": {storyPointers, nil, []func(int){buildPtrs, buildVals}, describePointers},
}

var moments = [2]string{"base", "later"}

func i64(v int64) *int64 { return &v }

// ---- a global map cache that grows --------------------------------------------------------

const storyMap = "A global map cache (main.cache, map[int]*main.Entry, each entry with a " +
	"1 KiB body) that is never pruned: 512 entries at base, 2048 at later."

// Entry is 32 bytes (a size class); its body is 1024 (a size class).
type Entry struct {
	id   int
	body []byte
}

var cache map[int]*Entry // made by the first build, so that its measurement includes the map

var mapEntries = [2]int{512, 2048}

//go:noinline
func buildMap(step int) {
	if cache == nil {
		cache = map[int]*Entry{}
	}
	for i := len(cache); i < mapEntries[step]; i++ {
		cache[i] = &Entry{id: i, body: make([]byte, 1024)}
	}
}

func describeMap(step int) []Group {
	return []Group{{
		Root: Root{"global", "main.cache"},
		Path: []string{"main.cache", "map internals", "*main.Entry", "[]uint8"},
		Note: "pointer bytes: the map's own groups hold pointers in a layout of the runtime's; " +
			"the entries alone hold entries × 8",
		Moments: map[string]Moment{moments[step]: {PointerBytes: nil}},
	}}
}

// ---- a slice of pointers held only by one goroutine's stack variable ---------------------

const storyStack = "A []*main.Item held only by a local variable of main.holdOnStack (a " +
	"goroutine blocked on a channel), each element its own 256-byte item: 1023 at base, " +
	"4096 at later (the slice is remade; the old one is garbage). At base the slice's 1023 " +
	"pointers and its 8-byte malloc header fill the 8 KiB size class exactly."

// Item is 256 bytes (a size class), pointer-free.
type Item [256]byte

var (
	stackGrow = make(chan int)
	stackDone = make(chan struct{})
	// 1023 × 8 + the 8-byte malloc header (pointer-bearing, 512 B < size ≤ 32 KiB) = 8192, a
	// size class; 4096 × 8 = 32 KiB + 8 would be over 32 KiB: a large object, no header.
	stackSize   = [2]int{1023, 4096}
	stackHeader = [2]int64{8, 0}
)

// holdOnStack keeps items in its frame only: nothing else ever sees the slice.
//
//go:noinline
func holdOnStack() {
	var items []*Item
	for n := range stackGrow {
		items = make([]*Item, n)
		for i := range items {
			items[i] = new(Item)
		}
		stackDone <- struct{}{}
	}
	runtime.KeepAlive(items)
}

func setupStack() { go holdOnStack() }

func buildStack(step int) {
	stackGrow <- stackSize[step]
	<-stackDone
}

func describeStack(step int) []Group {
	n := int64(stackSize[step])
	return []Group{{
		Root: Root{"stack", "main.holdOnStack"},
		Path: []string{"main.holdOnStack (goroutine frame)", "[]*main.Item", "*main.Item"},
		Moments: map[string]Moment{moments[step]: {
			ConstructedBytes: i64(stackHeader[step] + n*8 + n*256), Objects: i64(1 + n),
			PointerBytes: i64(n * 8)}},
	}}
}

// ---- an object kept by a finalizer ----------------------------------------------------------

const storyFinalizer = "Handles whose finalizer closure refers to the handle itself, so the " +
	"finalizer keeps each handle and its 64 KiB buffer alive for ever: 4 at base, 16 at later. " +
	"No variable refers to them."

// Handle is 24 bytes (a size class); its buffer 64 KiB (a large object, whole pages).
type Handle struct{ buf []byte }

var finalizerHandles = [2]int{4, 16}
var finalizerMade int
var finalizerName string

//go:noinline
func keepWithFinalizer() {
	h := &Handle{buf: make([]byte, 64<<10)}
	fin := func(*Handle) { _ = h.buf } // captures h: a 16-byte closure {F, h}
	if finalizerName == "" {
		finalizerName = runtime.FuncForPC(reflect.ValueOf(fin).Pointer()).Name()
	}
	runtime.SetFinalizer(h, fin)
}

func buildFinalizer(step int) {
	for ; finalizerMade < finalizerHandles[step]; finalizerMade++ {
		keepWithFinalizer()
	}
}

func describeFinalizer(step int) []Group {
	n := int64(finalizerHandles[step])
	return []Group{{
		Root: Root{"finalizer", finalizerName},
		Path: []string{finalizerName + " (finalizer)", "closure", "*main.Handle", "[]uint8"},
		Moments: map[string]Moment{moments[step]: {
			ConstructedBytes: i64(n * (16 + 24 + 64<<10)), Objects: i64(n * 3),
			PointerBytes: i64(n * 16)}},
	}}
}

// ---- a long linked list --------------------------------------------------------------------

const storyList = "A linked list (main.list, 32-byte main.Node each) of 10,000 nodes at " +
	"base, 40,000 at later: a dominator chain 40,000 deep."

// Node is 32 bytes (a size class), one pointer word.
type Node struct {
	next *Node
	val  [3]int64
}

var list *Node
var listLen = [2]int{10000, 40000}
var listMade int

//go:noinline
func buildList(step int) {
	for ; listMade < listLen[step]; listMade++ {
		list = &Node{next: list, val: [3]int64{int64(listMade)}}
	}
}

func describeList(step int) []Group {
	n := int64(listLen[step])
	return []Group{{
		Root: Root{"global", "main.list"},
		Path: []string{"main.list", "*main.Node", "*main.Node", "…"},
		Moments: map[string]Moment{moments[step]: {
			ConstructedBytes: i64(n * 32), Objects: i64(n), PointerBytes: i64(n * 8)}},
	}}
}

// ---- a cycle kept alive by one root ---------------------------------------------------------

const storyCycle = "A ring of main.RingNode (each with a 512-byte payload) whose last node " +
	"points back to the first, reached only through main.ring: 256 nodes at base, 1024 at " +
	"later (the ring is opened and closed again around the new nodes)."

// RingNode is 32 bytes, two pointer words (next, payload); payload 512 bytes.
type RingNode struct {
	next    *RingNode
	payload []byte
}

var ring *RingNode
var ringLen = [2]int{256, 1024}
var ringMade int

//go:noinline
func buildCycle(step int) {
	if ring == nil {
		ring = &RingNode{payload: make([]byte, 512)}
		ring.next = ring
		ringMade = 1
	}
	for ; ringMade < ringLen[step]; ringMade++ { // insert after the head: the ring stays closed
		ring.next = &RingNode{next: ring.next, payload: make([]byte, 512)}
	}
}

func describeCycle(step int) []Group {
	n := int64(ringLen[step])
	return []Group{{
		Root: Root{"global", "main.ring"},
		Path: []string{"main.ring", "*main.RingNode", "[]uint8"},
		Moments: map[string]Moment{moments[step]: {
			ConstructedBytes: i64(n * (32 + 512)), Objects: i64(n * 2), PointerBytes: i64(n * 16)}},
	}}
}

// ---- two objects sharing a child ------------------------------------------------------------

const storyShared = "main.holder (a 16-byte main.Holder) points to two parents, left (own " +
	"16 KiB buffer) and right (own 32 KiB buffer), which both point to one shared child (24 " +
	"bytes) with a 128 KiB buffer at base, 512 KiB at later: neither parent dominates the " +
	"child, so its bytes are credited to the holder, their common dominator."

// Holder is 16 bytes; Parent 32 (own, shared); Child 24.
type (
	Holder struct{ left, right *Parent }
	Parent struct {
		own    []byte
		shared *Child
	}
	Child struct{ data []byte }
)

var holder *Holder
var childData = [2]int{128 << 10, 512 << 10}

//go:noinline
func buildShared(step int) {
	if holder == nil {
		child := &Child{}
		holder = &Holder{
			left:  &Parent{own: make([]byte, 16<<10), shared: child},
			right: &Parent{own: make([]byte, 32<<10), shared: child},
		}
	}
	holder.left.shared.data = make([]byte, childData[step])
}

func describeShared(step int) []Group {
	c := int64(childData[step])
	const left, right = 32 + 16<<10, 32 + 32<<10
	return []Group{{
		Root: Root{"global", "main.holder"},
		Path: []string{"main.holder", "*main.Holder", "*main.Child", "[]uint8"},
		Note: "left retains left_retained_bytes, right right_retained_bytes; the child and its " +
			"buffer are retained by the *main.Holder object (their immediate dominator)",
		Moments: map[string]Moment{moments[step]: {
			ConstructedBytes: i64(16 + left + right + 24 + c), Objects: i64(7),
			PointerBytes: i64(16 + 2*16 + 8)}},
	}}
}

// ---- []*int beside []int ---------------------------------------------------------------------

const storyPointers = "main.ptrs ([]*int, each element its own int) beside main.vals ([]int) " +
	"of the same length: 16,384 at base, 65,536 at later (both slices remade). Pointer bytes " +
	"len × 8 against 0."

var (
	ptrs    []*int
	vals    []int
	ptrsLen = [2]int{16384, 65536}
)

//go:noinline
func buildPtrs(step int) {
	ptrs = nil
	p := make([]*int, ptrsLen[step])
	for i := range p {
		x := new(int) // 8 bytes, pointer-free: two share one 16-byte tiny block
		*x = i
		p[i] = x
	}
	ptrs = p
}

//go:noinline
func buildVals(step int) {
	vals = nil
	v := make([]int, ptrsLen[step])
	for i := range v {
		v[i] = i
	}
	vals = v
}

func describePointers(step int) []Group {
	m := int64(ptrsLen[step])
	return []Group{
		{Root: Root{"global", "main.ptrs"}, Path: []string{"main.ptrs", "[]*int", "*int"},
			Note: "the ints are 8-byte pointer-free objects the tiny allocator packs two to a " +
				"16-byte block: the slice's pointers point into blocks, two to each",
			Moments: map[string]Moment{moments[step]: {
				ConstructedBytes: i64(m*8 + m*8), Objects: i64(1 + m/2), PointerBytes: i64(m * 8)}}},
		{Root: Root{"global", "main.vals"}, Path: []string{"main.vals", "[]int"},
			Moments: map[string]Moment{moments[step]: {
				ConstructedBytes: i64(m * 8), Objects: i64(1), PointerBytes: i64(0)}}},
	}
}

// ---- the driver -------------------------------------------------------------------------------

var scanSample = []metrics.Sample{{Name: "/gc/scan/heap:bytes"}}

func heapAlloc() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

func runShape(dir, name string) error {
	s, ok := shapes[name]
	if !ok {
		return fmt.Errorf("unknown shape %q", name)
	}
	out := filepath.Join(dir, name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var files [2]*os.File
	for i, m := range moments {
		f, err := os.Create(filepath.Join(out, m+".heapdump"))
		if err != nil {
			return err
		}
		files[i] = f
	}
	if s.setup != nil {
		s.setup()
	}
	// The first cycles start the GC's workers (goroutines: heap objects) and the like.
	for i := 0; i < 4; i++ {
		heapAlloc()
	}
	exp := Expected{Shape: name, Story: s.story, GCScanHeapBytes: map[string]int64{},
		HeapAllocBytes: map[string]int64{}}
	// Each step's growth is measured across grow alone: the dump written between the steps
	// leaves a few KiB of its own behind (seen: 11,112 bytes), which no root of ours holds.
	total := make([]int64, len(s.builds))
	for step, moment := range moments {
		for gi, build := range s.builds {
			before := heapAlloc()
			build(step)
			total[gi] += heapAlloc() - before
		}
		groups := s.describe(step)
		for gi := range groups {
			g := &groups[gi]
			m := g.Moments[moment]
			m.MeasuredBytes, m.ExpectedBytes = total[gi], total[gi]
			if m.ConstructedBytes != nil {
				m.ExpectedBytes = *m.ConstructedBytes
				if d := m.MeasuredBytes - m.ExpectedBytes; d > tolerance || d < -tolerance {
					return fmt.Errorf("%s %s %s: measured %d bytes, constructed %d", name,
						moment, g.Root.Name, m.MeasuredBytes, m.ExpectedBytes)
				}
			}
			g.Moments[moment] = m
			g.ToleranceBytes = tolerance
		}
		if step == 0 {
			exp.Groups = groups
		} else {
			for gi := range groups {
				exp.Groups[gi].Moments[moment] = groups[gi].Moments[moment]
			}
		}
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		metrics.Read(scanSample)
		exp.HeapAllocBytes[moment] = int64(ms.HeapAlloc)
		exp.GCScanHeapBytes[moment] = int64(scanSample[0].Value.Uint64())
		debug.WriteHeapDump(files[step].Fd())
		if err := files[step].Close(); err != nil {
			return err
		}
	}
	if name == "shared_child" {
		exp.Facts = map[string]int64{"left_retained_bytes": 32 + 16<<10,
			"right_retained_bytes": 32 + 32<<10, "child_retained_bytes_base": 24 + 128<<10,
			"child_retained_bytes_later": 24 + 512<<10}
	}
	data, err := json.MarshalIndent(exp, "", " ")
	if err != nil {
		return err
	}
	runtime.KeepAlive(cache)
	return os.WriteFile(filepath.Join(out, "expected.json"), append(data, '\n'), 0o644)
}

func main() {
	runtime.MemProfileRate = 1 // every object's allocation site in the dump's alloc samples
	switch len(os.Args) {
	case 2: // every shape, each in its own process
		names := make([]string, 0, len(shapes))
		for n := range shapes {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			cmd := exec.Command(os.Args[0], os.Args[1], n)
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "retention: %s: %v\n", n, err)
				os.Exit(1)
			}
		}
	case 3:
		if err := runShape(os.Args[1], os.Args[2]); err != nil {
			fmt.Fprintf(os.Stderr, "retention: %v\n", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: retention DIR [SHAPE]")
		os.Exit(2)
	}
}
