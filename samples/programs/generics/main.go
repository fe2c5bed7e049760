// generics: allocation sites in generic code, so that the heap profile holds the names Go
// gives generic functions and that pprof's name simplification rewrites (or leaves alone):
//
//   - a method of a generic type, value receiver:     main.Ring[go.shape.int].Grow
//   - a method on a pointer to a generic type:        main.(*Store[go.shape.string,go.shape.[]uint8]).Put
//     (pprof leaves "])." names alone), and a closure inside it: ....Put.func1
//   - a closure inside a generic function:            main.Lazy[go.shape.int64].func1
//   - a type parameter instantiated with an interface that has methods, whose shape name
//     spells the methods with their parentheses:      main.Drain[go.shape.interface { At() int; Err() error }]
//     (pprof prints main.Drain[go.shape.interface { At int; Err error }])
//   - a type parameter instantiated with a func type: main.Apply[go.shape.func(int) string]
//   - a value-receiver method of a generic type instantiated with such an interface:
//     main.Ring[go.shape.interface { Len() int }].Wrap (pprof: ...{ Len int }].Wrap)
//   - an inlined generic function: the inlined frame carries the full shape too,
//     main.NewPair[go.shape.interface { Len() int },go.shape.[60]int64]
//   - a pointer method with a closure, inlined into a generic function: Go before 1.22
//     named the closure after both (main.Merge[...].(*Resolver).Add.func1, which pprof
//     prints as main.Merge[...]..Add.func1); Go 1.22 on names it main.(*Resolver).Add.func1
//   - a send-only channel type argument:              main.Fill[go.shape.chan<- int] (an
//     unmatched '<': pprof leaves it)
//
// Between the base and later snapshots every site allocates again, Store and Drain twice as
// much, and half of Lazy's objects are dropped, so a diff has growth and shrinkage.
// Both snapshots are taken right after runtime.GC(), so each profile is current.
package main

import (
	"fmt"
	"runtime"
	"strconv"

	"heapdiff/samples/internal/snap"
)

// keep holds everything live: global, so escape analysis moves it all to the heap.
var keep [][]any

func hold(v ...any) { keep = append(keep, v) }

// Ring is a generic type with a value-receiver method.
type Ring[T any] struct{ size int }

//go:noinline
func (r Ring[T]) Grow(n int) []T { return make([]T, n*r.size) }

// Store is a generic type with pointer-receiver methods.
type Store[K comparable, V any] struct{ m map[K]V }

//go:noinline
func (s *Store[K, V]) Put(k K, mk func() V) {
	s.m[k] = mk()
	s.each(func(v V) { hold(v) })
}

//go:noinline
func (s *Store[K, V]) each(f func(V)) {
	for _, v := range s.m {
		f(v)
		return
	}
}

// Lazy returns a closure (main.Lazy[...].func1) that allocates when called.
//
//go:noinline
func Lazy[T any](n int) func() []T {
	return func() []T { return make([]T, n) }
}

// Series is an interface with methods, used as a type argument itself.
type Series interface {
	At() int
	Err() error
}

type counter struct{ i int }

func (c *counter) At() int    { c.i++; return c.i }
func (c *counter) Err() error { return nil }

//go:noinline
func Drain[S Series](s S, n int) []int {
	out := make([]int, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, s.At())
	}
	return out
}

//go:noinline
func Apply[F func(int) string](f F, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// Resolver.Add is small enough to be inlined; its closure is compiled once per caller.
type Resolver struct{ rows [][]byte }

func (r *Resolver) Add(n int) {
	run(func() { r.rows = append(r.rows, make([]byte, n)) })
}

//go:noinline
func run(f func()) { f() }

//go:noinline
func Merge[T ~int32](r *Resolver, xs []T) {
	for _, x := range xs {
		r.Add(int(x))
	}
}

// Pair is built by an inlined generic function: the profile names the inlined frame, with
// the full shape of its interface type argument.
type Pair[A, B any] struct {
	a A
	b B
}

func NewPair[A, B any](a A, b B) *Pair[A, B] { return &Pair[A, B]{a, b} }

// Sizer is an interface with a method, the type argument of a value-receiver method.
type Sizer interface{ Len() int }

type blob []byte

func (b blob) Len() int { return len(b) }

//go:noinline
func (r Ring[T]) Wrap(v T) []T {
	out := make([]T, r.size)
	out[0] = v
	return out
}

//go:noinline
func Fill[C chan<- int](c C, n int) [][]int {
	out := make([][]int, n)
	for i := range out {
		out[i] = make([]int, 16)
	}
	return out
}

// round allocates at every site; scale sets how much.
func round(scale int, store *Store[string, []byte], r *Resolver) {
	ring := Ring[int]{size: 64}
	for i := 0; i < 256*scale; i++ {
		hold(ring.Grow(8))
	}
	for i := 0; i < 4096*scale; i++ {
		store.Put(strconv.Itoa(len(store.m)), func() []byte { return make([]byte, 512) })
	}
	mk := Lazy[int64](1024)
	for i := 0; i < 512*scale; i++ {
		hold(mk())
	}
	for i := 0; i < 64*scale; i++ {
		hold(Drain[Series](&counter{}, 4096))
	}
	for i := 0; i < 64*scale; i++ {
		hold(Apply(func(i int) string { return strconv.Itoa(i) + "-value" }, 512))
	}
	sizes := make([]int32, 2048*scale)
	for i := range sizes {
		sizes[i] = 1024
	}
	Merge(r, sizes)
	for i := 0; i < 1024*scale; i++ {
		hold(NewPair(Sizer(blob("y")), [60]int64{int64(i)}))
	}
	sized := Ring[Sizer]{size: 1024}
	for i := 0; i < 64*scale; i++ {
		hold(sized.Wrap(blob("x")))
	}
	ch := make(chan int)
	for i := 0; i < 64*scale; i++ {
		hold(Fill[chan<- int](ch, 256))
	}
}

func main() {
	runtime.MemProfileRate = 4096
	out := snap.OutDir()
	store := &Store[string, []byte]{m: map[string][]byte{}}
	r := &Resolver{}

	round(1, store, r)
	runtime.GC()
	snap.Write(out + "/base")

	keep = keep[:len(keep)/2] // some of the first round's objects die
	round(2, store, r)
	runtime.GC()
	snap.Write(out + "/later")
	fmt.Printf("generics: %d kept groups, %d stored, %d rows\n", len(keep), len(store.m), len(r.rows))
}
